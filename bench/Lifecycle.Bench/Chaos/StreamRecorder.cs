using System.Collections.Concurrent;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// Tails every partition's events stream during the run (plain <c>XRANGE</c>, no group) and keeps each
/// entry it saw. A Redis Cluster failover can lose entries the old master had acknowledged; what the
/// recorder saw and the stream no longer holds is what the checks count as lost with a failover (an
/// entry written and lost between two reads goes unseen; its sandbox is still checked to be settled).
/// </summary>
public sealed class StreamRecorder(StreamProbe probe)
{
    private readonly ConcurrentDictionary<(string EntryId, Guid? EventId), EntryFact> _seen = new();

    public IReadOnlyCollection<EntryFact> Seen => [.. _seen.Values];

    public async Task RunAsync(CancellationToken stop)
    {
        var cursors = probe.Keys.Partitions.Select(_ => (RedisValue)"-").ToArray();
        while (!stop.IsCancellationRequested)
        {
            foreach (var partition in probe.Keys.Partitions)
            {
                try
                {
                    cursors[partition.Index] = await ReadFromAsync(partition, cursors[partition.Index]);
                }
                catch (RedisException)
                {
                }
            }
            try
            {
                await Task.Delay(200, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task<RedisValue> ReadFromAsync(PartitionKeys partition, RedisValue cursor)
    {
        var db = probe.Database;
        // After a failover the stream may end before the cursor: new entries get ids after the new
        // master's last one, so start again from there.
        var last = await db.StreamRangeAsync(partition.Events, "-", "+", count: 1, messageOrder: Order.Descending);
        if (last.Length > 0 && cursor != "-" && StreamIds.Parse(last[0].Id!).CompareTo(StreamIds.Parse(cursor!)) < 0)
        {
            cursor = last[0].Id;
        }
        while (true)
        {
            var page = await db.StreamRangeAsync(partition.Events, cursor == "-" ? "-" : "(" + cursor, "+", count: 500);
            foreach (var e in page)
            {
                var fact = ChaosFacts.EntryOf(partition, e);
                _seen.TryAdd((fact.EntryId, fact.EventId), fact);
            }
            if (page.Length == 0)
            {
                return cursor;
            }
            cursor = page[^1].Id;
        }
    }
}
