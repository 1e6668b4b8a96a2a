using Dapper;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Tests.Cluster;

/// <summary>What must hold after a fault, read from Postgres, the hosts and every partition's group.</summary>
public static class ClusterInvariants
{
    private static readonly string[] Transient = ["starting", "stopping", "pausing", "resuming"];

    /// <summary>No sandbox left transient or missing, and no VM on a host without a row.</summary>
    public static async Task NothingUnsettledAndNoOrphanAsync(ControlPlaneHarness harness)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        var rows = (await conn.QueryAsync<(Guid Id, string Status)>("SELECT id, status FROM sandboxes")).ToDictionary(r => r.Id.ToString(), r => r.Status);
        Assert.That(rows.Values.Where(status => Transient.Contains(status) || status == "missing"), Is.Empty, "no sandbox is left transient or missing");
        foreach (var host in harness.Fleet.Hosts)
        {
            Assert.That(host.Snapshot().Keys.Where(id => !rows.ContainsKey(id)), Is.Empty, $"host {host.Name} runs no VM without a row");
        }
    }

    /// <summary>Each sandbox's history has versions 0…n-1, one event each: no gap, none applied twice.</summary>
    public static async Task HistoriesAreContiguousAsync(ControlPlaneHarness harness)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        var broken = await conn.QueryAsync<Guid>("""
            SELECT sandbox_id FROM sandbox_transitions GROUP BY sandbox_id
            HAVING count(*) <> max(version) + 1 OR min(version) <> 0 OR count(DISTINCT event_id) <> count(*)
            """);
        Assert.That(broken, Is.Empty, "sandboxes whose history has a gap or a repeated event");
    }

    /// <summary>Every partition's group has nothing pending and nothing unread, and no partition holds a dead letter.</summary>
    public static async Task NothingPendingAnywhereAsync(ControlPlaneHarness harness, TimeSpan timeout)
    {
        await harness.WaitForConsumerIdleAsync(timeout);
        foreach (var partition in harness.Keys.Partitions)
        {
            var pending = await harness.Redis.StreamPendingAsync(partition.Events, StreamKeys.ApplierGroup);
            Assert.That(pending.PendingMessageCount, Is.Zero, $"XPENDING {partition.Name}");
            Assert.That(await harness.Redis.StreamLengthAsync(partition.DeadLetters), Is.Zero, $"dead letters of {partition.Name}");
        }
    }

    /// <summary>Whether the call went through; while a failover is under way it fails or times out.</summary>
    public static async Task<bool> SucceedsAsync(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException or HttpRequestException)
        {
            return false;
        }
    }
}
