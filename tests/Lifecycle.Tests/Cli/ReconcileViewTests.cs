using System.Text.Json;
using Dapper;
using Lifecycle.Cli;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Tests.Cli;

/// <summary>
/// <c>lifecyclectl hosts</c> and <c>host ID</c> name the replica that owns each host's shard and say when the host was
/// last reconciled, so a host whose live owner passes it by shows as overdue instead of hiding behind a healthy lease.
/// </summary>
public sealed class ReconcileViewTests
{
    private const string Replica = "reconcile-view";

    [Test]
    public async Task Hosts_names_each_hosts_shard_owner_and_last_reconcile_and_exits_1_when_a_host_is_overdue()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Lifecycle:HostMonitor:Enabled"] = "true",
            // No scheduled pass within the test: only the one asked for.
            ["Lifecycle:HostMonitor:Interval"] = "01:00:00",
            ["Lifecycle:Replica:Name"] = Replica,
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = harness.Database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = TestServers.Redis,
            ["Lifecycle:Streams:KeyPrefix"] = harness.KeyPrefix,
        }).Build();
        var host = harness.Fleet.Hosts[0];
        var hostId = host.HostId!.Value.ToString();

        // The host registered after the replica's first pass: on-call asks for a pass over it now.
        await Eventually.TrueAsync(async () => (await RunAsync(configuration, "reconcile", "--host", hostId)).Exit == ExitCodes.Ok,
            TimeSpan.FromSeconds(30), "the replica owning the host hears the request");
        var reconcile = await Eventually.ValueAsync(async () =>
                JsonDocument.Parse((await RunAsync(configuration, "host", hostId, "--json")).Out).RootElement.GetProperty("host").GetProperty("reconcile"),
            r => r.GetProperty("reconciled_by").GetString() == Replica, TimeSpan.FromSeconds(30), "the host's pass is recorded");
        var (calm, table) = await RunAsync(configuration, "hosts");
        var (_, story) = await RunAsync(configuration, "host", hostId);

        Assert.That((reconcile.GetProperty("owner").GetString(), reconcile.GetProperty("owner_live").GetBoolean(), reconcile.GetProperty("overdue").GetBoolean()),
            Is.EqualTo((Replica, true, false)));
        Assert.That(reconcile.GetProperty("shard").GetInt32(), Is.InRange(0, 63));
        Assert.That(calm, Is.EqualTo(ExitCodes.Ok), table);
        Assert.That(Line(table, host.Name), Does.Contain($" {Replica} ").And.Match(@" \d+(ms|s) ago "));
        Assert.That(Line(story, "HostMonitor:"), Does.Match($@"^HostMonitor: shard \d+, owned by {Replica}; last reconciled .+ \(\d+(ms|s) ago\) by {Replica}$"));

        // The owner is live and holds the shard, yet no pass has reached the host for ten minutes.
        await using (var conn = harness.Database.DataSource.CreateConnection())
        {
            await conn.ExecuteAsync("UPDATE hosts SET reconciled_at = now() - interval '10 minutes'");
        }
        var (overdue, after) = await RunAsync(configuration, "hosts");

        Assert.That(overdue, Is.EqualTo(ExitCodes.Unhealthy), after);
        Assert.That(Line(after, host.Name), Does.Contain($" {Replica} 10m").And.Contain(" ago (overdue) "));
    }

    private static async Task<(int Exit, string Out)> RunAsync(IConfiguration configuration, params string[] args)
    {
        using var output = new StringWriter();
        var exit = await LifecycleCtl.RunAsync(args, configuration, output, TextWriter.Null);
        return (exit, output.ToString());
    }

    /// <summary>The first line holding the fragment, with runs of spaces made one.</summary>
    private static string Line(string text, string fragment) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal))
        ?? throw new AssertionException($"no line holds {fragment}:\n{text}");
}
