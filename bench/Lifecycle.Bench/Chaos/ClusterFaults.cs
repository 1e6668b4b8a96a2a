using System.Diagnostics;
using System.Globalization;
using Lifecycle.Infrastructure.Ownership;
using Npgsql;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The cluster topology's own faults: a control-plane replica killed (and started again later, as a
/// supervisor would), and a Redis master killed (its replica promoted; the killed node started again
/// later, when it rejoins as a replica). Each says how long the system took to cover for it.
/// </summary>
public sealed class ClusterFaults(ChaosClusterStack stack, StreamProbe probe)
{
    private const int HostShards = 64;
    private readonly HashSet<int> _failedOver = [];

    public IReadOnlySet<int> FailedOverPartitions
    {
        get
        {
            lock (_failedOver)
            {
                return _failedOver.ToHashSet();
            }
        }
    }

    /// <summary>
    /// Waits (5 s at most) until the replica holds pending entries, kills it, measures how long until every
    /// partition and host shard is held by a live replica again, and starts it again 2–15 s after the kill.
    /// </summary>
    public async Task<(string Target, string Detail)> KillReplicaAsync(double size)
    {
        var (index, rest) = Pick(size, ChaosClusterStack.ReplicaCount);
        var name = stack.ReplicaName(index);
        if (!stack.ReplicaAlive(index))
        {
            await stack.StartReplicaAsync(index);
        }
        var watch = Stopwatch.StartNew();
        long held = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(5) && (held = await probe.PendingOfAsync(name)) == 0)
        {
            await Task.Delay(5);
        }
        stack.KillReplica(index);
        var killed = Stopwatch.StartNew();
        var atDeath = await probe.PendingOfAsync(name);
        var down = TimeSpan.FromSeconds(2 + rest * 13);
        var takenOver = await WaitAllOwnedAsync(name, down);
        if (killed.Elapsed < down)
        {
            await Task.Delay(down - killed.Elapsed);
        }
        await stack.StartReplicaAsync(index);
        return (name, string.Create(CultureInfo.InvariantCulture,
            $"kill -9 holding {atDeath} pending (seen {held} just before); every partition and shard owned by a live replica after {Seconds(takenOver)}; restarted after {down.TotalSeconds:F1}s, answering after {killed.Elapsed.TotalSeconds:F1}s"));
    }

    /// <summary>
    /// Kills a master. When <paramref name="size"/> says lossy (half the time), its replica is first cut
    /// off (SIGSTOP, replication links dropped) for a second of writes, so the failover loses what the
    /// master acknowledged in that second, as an asynchronous replica can in production. Then waits for the
    /// replica's promotion, keeps the old master down 3–10 s, and starts it again to rejoin as a replica.
    /// </summary>
    public async Task<(string Target, string Detail)> KillMasterAsync(double size)
    {
        var cluster = stack.Cluster;
        var masters = await cluster.MastersAsync();
        var (index, rest) = Pick(size, masters.Count);
        var master = masters[index];
        var nodes = await cluster.NodesAsync();
        var served = probe.Keys.Partitions
            .Where(p => nodes.Single(n => n.Port == master).Serves(probe.HashSlot(p.Events)))
            .Select(p => p.Index).ToList();
        lock (_failedOver)
        {
            _failedOver.UnionWith(served);
        }
        var lossy = rest >= 0.5;
        var replica = await cluster.ReplicaOfAsync(master);
        if (lossy)
        {
            await cluster.FreezeAsync(replica);
            await cluster.DropReplicaLinksAsync(master);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        var killed = Stopwatch.StartNew();
        await cluster.KillAsync(master);
        if (lossy)
        {
            await cluster.ThawAsync(replica);
        }
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        var promoted = killed.Elapsed;
        var down = TimeSpan.FromSeconds(3 + (lossy ? rest - 0.5 : rest) * 14);
        if (killed.Elapsed < down)
        {
            await Task.Delay(down - killed.Elapsed);
        }
        await cluster.RestartAsync(master);
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        var rejoined = (await cluster.NodesAsync()).Single(n => n.Port == master);
        return ($"redis {master}", string.Create(CultureInfo.InvariantCulture,
            $"kill -9 of the master of partitions {string.Join(',', served)}{(lossy ? " after 1s of writes its replica never got" : "")}; replica {replica} serving after {promoted.TotalSeconds:F1}s; restarted after {down.TotalSeconds:F1}s, rejoined as {(rejoined.IsMaster ? "a MASTER" : "a replica")}"));
    }

    /// <summary>Until every partition and host shard is held by a live replica other than the one killed; null if not within the time given.</summary>
    private async Task<TimeSpan?> WaitAllOwnedAsync(string killed, TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        await using var dataSource = NpgsqlDataSource.Create(stack.PostgresUnpooled);
        while (watch.Elapsed < within)
        {
            try
            {
                var leases = await LeaseStore.ListAsync(dataSource, ChaosStack.LeasePeriod, CancellationToken.None);
                var owned = leases.Count(l => l is { Owner: not null, Live: true } && l.Owner != killed
                    && (l.Kind == LeaseKind.EventPartitions.Name ? l.Slot < stack.Partitions : l.Slot < HostShards));
                if (owned == stack.Partitions + HostShards)
                {
                    return watch.Elapsed;
                }
            }
            catch (NpgsqlException)
            {
            }
            await Task.Delay(100);
        }
        return null;
    }

    private static (int Index, double Remainder) Pick(double size, int count)
    {
        var scaled = size * count;
        var index = Math.Min(count - 1, (int)scaled);
        return (index, Math.Clamp(scaled - index, 0, 1));
    }

    private static string Seconds(TimeSpan? t) => t is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalSeconds:F1}s") : "not within the down time";
}
