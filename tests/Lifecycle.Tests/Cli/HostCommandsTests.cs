using System.Text.Json;
using Dapper;
using Lifecycle.Cli;
using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Cli;

/// <summary>
/// <c>lifecyclectl hosts</c> with the host states (cordoned, silent, a drain's progress) and
/// <c>lifecyclectl host ID</c>, one host's row and story, against a seeded cluster of their own.
/// </summary>
public sealed class HostCommandsTests
{
    [Test]
    public async Task Hosts_shows_a_cordoned_host_and_exits_1_once_it_is_silent_past_the_heartbeat_timeout()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        await new HostStore(cluster.Database.DataSource).TransitionAsync(cluster.HostId, HostEventTypes.Cordoned, "admin", null, CancellationToken.None);
        var (calm, table, _) = await cluster.RunAsync("hosts");
        await SqlAsync(cluster, "UPDATE hosts SET last_heartbeat_at = now() - interval '10 minutes'");

        var (silent, after, _) = await cluster.RunAsync("hosts");
        var (_, json, _) = await cluster.RunAsync("hosts", "--json");

        Assert.That(calm, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Row(table, cluster.HostName), Does.Contain(" cordoned no "));
        Assert.That(silent, Is.EqualTo(ExitCodes.Unhealthy), "a silent host in service is trouble, whatever its status");
        Assert.That(Row(after, cluster.HostName), Does.Contain(" cordoned yes 10m"));
        var host = JsonDocument.Parse(json).RootElement.GetProperty("hosts")[0];
        Assert.That((host.GetProperty("status").GetString(), host.GetProperty("silent").GetBoolean()), Is.EqualTo(("cordoned", true)));
    }

    [Test]
    public async Task Hosts_shows_a_drains_mode_what_is_left_and_the_time_to_its_deadline()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        await SqlAsync(cluster, "UPDATE hosts SET status = 'draining', drain_mode = 'destroy', drain_started_at = now(), drain_deadline = now() + interval '3 minutes 30 seconds'");

        var (_, table, _) = await cluster.RunAsync("hosts");
        var (_, json, _) = await cluster.RunAsync("hosts", "--json");

        // The seeded host runs one sandbox and has one starting: both are left to destroy.
        Assert.That(Row(table, cluster.HostName), Does.Contain(" draining no ").And.Contain(" destroy: 2 left, deadline in 3m2"));
        var drain = JsonDocument.Parse(json).RootElement.GetProperty("hosts")[0].GetProperty("drain");
        Assert.That((drain.GetProperty("mode").GetString(), drain.GetProperty("remaining").GetInt64()), Is.EqualTo(("destroy", 2L)));
    }

    [Test]
    public async Task Host_prints_the_hosts_row_its_sandboxes_and_every_change_of_its_status_with_who_and_why()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var hosts = new HostStore(cluster.Database.DataSource);
        await hosts.TransitionAsync(cluster.HostId, HostEventTypes.Cordoned, "admin", "disk failing", CancellationToken.None);

        var (exit, table, _) = await cluster.RunAsync("host", cluster.HostId.ToString());
        var (_, json, _) = await cluster.RunAsync("host", cluster.HostId.ToString(), "--json");
        var (unknown, nothing, _) = await cluster.RunAsync("host", Guid.NewGuid().ToString());
        var (badId, _, error) = await cluster.RunAsync("host", "not-a-uuid");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Row(table, cluster.HostId.ToString()), Does.Contain($" {cluster.HostName} cordoned no "));
        Assert.That(Row(table, "running"), Is.EqualTo("running 1"));
        Assert.That(Row(table, "host.registered"), Does.Contain(" (new)→registered admin"));
        Assert.That(Row(table, "host.first_heartbeat"), Does.Contain($" registered→online host:{cluster.HostId}"));
        Assert.That(Row(table, "host.cordoned"), Does.EndWith(" online→cordoned admin disk failing"));
        var root = JsonDocument.Parse(json).RootElement;
        Assert.That(root.GetProperty("host").GetProperty("status").GetString(), Is.EqualTo("cordoned"));
        Assert.That(root.GetProperty("history").EnumerateArray().Select(h => (h.GetProperty("type").GetString(), h.GetProperty("reason").GetString())),
            Is.EqualTo(new[] { ("host.registered", (string?)null), ("host.first_heartbeat", null), ("host.cordoned", "disk failing") }));
        Assert.That(unknown, Is.EqualTo(ExitCodes.NotFound));
        Assert.That(nothing, Does.Contain("no such row in Postgres"));
        Assert.That(badId, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("not-a-uuid"));
    }

    [Test]
    public async Task Hosts_and_host_show_what_is_allocated_of_the_capacity_a_host_reported()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var (_, before, _) = await cluster.RunAsync("hosts");
        await SqlAsync(cluster, "UPDATE hosts SET allocatable_vcpus = 16, allocatable_memory_mb = 32768");
        var held = await ScalarAsync(cluster, "SELECT sum(memory_mb) FROM sandboxes WHERE status NOT IN ('paused', 'stopped')");
        var vcpus = await ScalarAsync(cluster, "SELECT sum(vcpus) FROM sandboxes WHERE status NOT IN ('paused', 'stopped')");

        var (_, table, _) = await cluster.RunAsync("hosts");
        var (_, json, _) = await cluster.RunAsync("hosts", "--json");
        var (_, one, _) = await cluster.RunAsync("host", cluster.HostId.ToString());

        Assert.That(held, Is.GreaterThan(0), "the seeded host holds its running and starting sandboxes");
        Assert.That(Row(before, cluster.HostName), Does.Contain($" {vcpus}/- {held}/- "), "no capacity reported yet");
        Assert.That(Row(table, cluster.HostName), Does.Contain($" {vcpus}/16 {held}/32768 "));
        var host = JsonDocument.Parse(json).RootElement.GetProperty("hosts")[0];
        static (long, long) Amounts(JsonElement resources) => (resources.GetProperty("vcpus").GetInt64(), resources.GetProperty("memory_mb").GetInt64());
        Assert.That(Amounts(host.GetProperty("capacity")), Is.EqualTo((16L, 32768L)));
        Assert.That(Amounts(host.GetProperty("allocated")), Is.EqualTo((vcpus, held)));
        Assert.That(one, Does.Contain($"Capacity (allocated/capacity): vCPUs {vcpus}/16, memory MiB {held}/32768"));
    }

    private static async Task<long> ScalarAsync(SeededCluster cluster, string sql)
    {
        await using var conn = cluster.Database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>(sql);
    }

    private static async Task SqlAsync(SeededCluster cluster, string sql)
    {
        await using var conn = cluster.Database.DataSource.CreateConnection();
        await conn.ExecuteAsync(sql);
    }

    /// <summary>The first line holding every fragment as whole words, with runs of spaces made one.</summary>
    private static string Row(string table, params string[] fragments) =>
        table.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .FirstOrDefault(l => fragments.All(f => $" {l} ".Contains($" {f} ", StringComparison.Ordinal)))
        ?? throw new AssertionException($"no line holds {string.Join(", ", fragments)}:\n{table}");
}
