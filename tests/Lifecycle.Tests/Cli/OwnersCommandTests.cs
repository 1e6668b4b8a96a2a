using System.Text.Json;
using Lifecycle.Cli;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Tests.Cli;

/// <summary><c>lifectl owners</c> against a running control plane: its replica holds every slot, and a dead owner shows.</summary>
public sealed class OwnersCommandTests
{
    [Test]
    public async Task Owners_lists_every_slot_with_its_live_owner_and_exits_1_when_one_has_none()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Lifecycle:Streams:Partitions"] = "4",
            ["Lifecycle:HostMonitor:Enabled"] = "true",
            ["Lifecycle:Replica:Name"] = "owners-test",
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = harness.Database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = TestServers.Redis,
            ["Lifecycle:Streams:KeyPrefix"] = harness.KeyPrefix,
            ["Lifecycle:Streams:Partitions"] = "4",
        }).Build();
        string json = "";
        await Eventually.TrueAsync(async () =>
        {
            using var output = new StringWriter();
            var exit = await LifecycleCtl.RunAsync(["owners", "--json"], configuration, output, TextWriter.Null);
            json = output.ToString();
            return exit == ExitCodes.Ok;
        }, TimeSpan.FromSeconds(30), "every slot owned");
        var leases = JsonDocument.Parse(json).RootElement.GetProperty("leases").EnumerateArray().ToList();
        Assert.That(leases.Count(l => l.GetProperty("kind").GetString() == "events"), Is.EqualTo(4));
        Assert.That(leases.Count(l => l.GetProperty("kind").GetString() == "hosts"), Is.EqualTo(64));
        Assert.That(leases.Select(l => l.GetProperty("owner").GetString()), Is.All.EqualTo("owners-test"));
        Assert.That(leases.Select(l => l.GetProperty("fence").GetInt64()), Is.All.GreaterThanOrEqualTo(1));

        await harness.StopAppAsync();
        using var table = new StringWriter();
        var afterStop = await LifecycleCtl.RunAsync(["owners"], configuration, table, TextWriter.Null);
        Assert.That(afterStop, Is.EqualTo(ExitCodes.Unhealthy), table.ToString());
        Assert.That(table.ToString(), Does.Contain("UNOWNED: events slot 0"));
    }
}
