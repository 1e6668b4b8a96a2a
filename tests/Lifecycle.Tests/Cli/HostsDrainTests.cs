using System.Text.Json;
using Dapper;

namespace Lifecycle.Tests.Cli;

/// <summary><c>lifecyclectl hosts</c> shows a draining host's progress and what a drained one keeps.</summary>
public sealed class HostsDrainTests
{
    [Test]
    public async Task Hosts_shows_how_much_of_a_drain_is_left_and_what_a_drained_host_keeps()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        await using (var conn = cluster.Database.DataSource.CreateConnection())
        {
            await conn.ExecuteAsync("""
                UPDATE hosts SET status = 'draining', drain_mode = 'pause', drain_started_at = now(), drain_deadline = now() + interval '10 minutes'
                 WHERE id = @Id
                """, new { Id = cluster.HostId });
        }

        var (_, table, _) = await cluster.RunAsync("hosts");
        var (_, json, _) = await cluster.RunAsync("hosts", "--json");
        await using (var conn = cluster.Database.DataSource.CreateConnection())
        {
            await conn.ExecuteAsync("UPDATE hosts SET status = 'drained' WHERE id = @Id", new { Id = cluster.HostId });
            await conn.ExecuteAsync("UPDATE sandboxes SET status = 'paused' WHERE host_id = @Id", new { Id = cluster.HostId });
        }
        var (_, drained, _) = await cluster.RunAsync("hosts");

        // The seeded host has a running and a starting sandbox: neither is paused yet.
        Assert.That(Line(table, cluster.HostName), Does.Contain("pause: 2 left, deadline in"));
        var drain = JsonDocument.Parse(json).RootElement.GetProperty("hosts").EnumerateArray().Single().GetProperty("drain");
        Assert.That(drain.GetProperty("mode").GetString(), Is.EqualTo("pause"));
        Assert.That(drain.GetProperty("remaining").GetInt64(), Is.EqualTo(2));
        Assert.That(Line(drained, cluster.HostName), Does.Contain("pause: drained, 2 paused kept"));
    }

    private static string Line(string table, string fragment) =>
        table.Split('\n').FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal))
        ?? throw new AssertionException($"no line holds {fragment}:\n{table}");
}
