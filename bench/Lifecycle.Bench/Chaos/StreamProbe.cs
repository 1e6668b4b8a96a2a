using System.Diagnostics;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The event streams' backlog over every partition, read with a client of the soak's own that survives
/// Redis restarts and cluster failovers. <paramref name="partitions"/> must be the control planes' own
/// <c>Lifecycle:Streams:Partitions</c>, or the partitions beyond it go unseen.
/// </summary>
public sealed class StreamProbe : IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;

    private StreamProbe(ConnectionMultiplexer redis, int partitions)
    {
        _redis = redis;
        Keys = new StreamKeys(Options.Create(new StreamOptions { Partitions = partitions }));
        Inspector = new StreamInspector(redis, Keys);
    }

    public StreamKeys Keys { get; }

    /// <summary>
    /// Counts the entries after the group's last delivered one instead of trusting Redis's <c>lag</c>. On a
    /// Redis Cluster, a promoted replica's groups carry a wrong <c>entries-read</c> (Redis 7.0: hundreds
    /// behind, with every entry delivered and acknowledged), so their <c>lag</c> never returns to 0.
    /// </summary>
    public bool CountUndelivered { get; init; }

    public StreamInspector Inspector { get; }

    public IDatabase Database => _redis.GetDatabase();

    public static async Task<StreamProbe> ConnectAsync(string configuration, int partitions, bool countUndelivered = false) =>
        new(await ConnectionMultiplexer.ConnectAsync($"{configuration},abortConnect=false,connectTimeout=2000,syncTimeout=3000,asyncTimeout=3000"), partitions)
        {
            CountUndelivered = countUndelivered,
        };

    /// <summary>The cluster hash slot of a key (what decides which master holds it).</summary>
    public int HashSlot(string key) => _redis.HashSlot(key);

    /// <summary>
    /// Pending entries and lag of the appliers group, summed over the partitions; null while Redis does not
    /// answer. The partitions are read side by side, so that the sum is close to one moment's.
    /// </summary>
    public async Task<(long Pending, long? Lag)?> BacklogAsync()
    {
        try
        {
            var reports = await Task.WhenAll(Keys.Partitions.Select(p => Inspector.InspectAsync(p.Events)));
            long pending = 0;
            long? lag = 0;
            foreach (var report in reports)
            {
                if (report.Groups.FirstOrDefault(g => g.Name == StreamKeys.ApplierGroup) is { } group)
                {
                    pending += group.Pending;
                    var groupLag = CountUndelivered ? await UndeliveredAsync(report, group) : group.Lag;
                    lag = lag is null || groupLag is null ? null : lag + groupLag;
                }
            }
            return (pending, lag);
        }
        catch (RedisException)
        {
            return null;
        }
    }

    private async Task<long?> UndeliveredAsync(StreamReport report, GroupReport group)
    {
        if (report.LastId is null)
        {
            return 0;
        }
        if (group.LastDeliveredId is null)
        {
            return null;
        }
        if (StreamIds.Parse(report.LastId).CompareTo(StreamIds.Parse(group.LastDeliveredId)) <= 0)
        {
            return 0;
        }
        return (await Database.StreamRangeAsync(report.Key, "(" + group.LastDeliveredId, "+")).Length;
    }

    public async Task<long> PendingOfAsync(string consumer)
    {
        try
        {
            var counts = await Task.WhenAll(Keys.Partitions.Select(async partition =>
                await Database.KeyExistsAsync(partition.Events)
                    ? (await Database.StreamConsumerInfoAsync(partition.Events, StreamKeys.ApplierGroup)).FirstOrDefault(c => c.Name == consumer).PendingMessageCount
                    : 0));
            return counts.Sum();
        }
        catch (RedisException)
        {
            return 0;
        }
    }

    /// <summary>Polls until nothing is pending and the lag is 0; false when <paramref name="within"/> passes first.</summary>
    public async Task<bool> WaitDrainedAsync(TimeSpan within)
    {
        var watch = Stopwatch.StartNew();
        do
        {
            if (await BacklogAsync() is (0, 0))
            {
                return true;
            }
            await Task.Delay(50);
        }
        while (watch.Elapsed < within);
        return false;
    }

    public ValueTask DisposeAsync() => _redis.DisposeAsync();
}
