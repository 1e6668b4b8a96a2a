using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// What <c>XINFO STREAM</c>, <c>XINFO GROUPS</c>, <c>XINFO CONSUMERS</c> and <c>XPENDING</c> say about
/// our streams, in one shape: <c>lifecyclectl streams</c> prints it and the metrics export it, so
/// the two never disagree with each other or with <c>redis-cli</c>.
/// </summary>
public sealed class StreamInspector(IConnectionMultiplexer redis, StreamKeys keys)
{
    /// <summary>Every partition's events stream, then its dead-letter stream, partition by partition.</summary>
    public async Task<IReadOnlyList<StreamReport>> InspectAllAsync()
    {
        // Side by side: on a cluster the partitions sit on different masters.
        var reports = await Task.WhenAll(keys.Partitions.SelectMany(p => new[] { InspectAsync(p.Events), InspectAsync(p.DeadLetters) }));
        return reports;
    }

    public async Task<StreamReport> InspectAsync(string key)
    {
        var db = redis.GetDatabase();
        if (!await db.KeyExistsAsync(key))
        {
            return new StreamReport(key, 0, null, null, []);
        }
        var info = await db.StreamInfoAsync(key);
        var groups = new List<GroupReport>();
        foreach (var group in await db.StreamGroupInfoAsync(key))
        {
            var consumers = await db.StreamConsumerInfoAsync(key, group.Name);
            var pending = await db.StreamPendingAsync(key, group.Name);
            groups.Add(new GroupReport(
                group.Name,
                group.PendingMessageCount,
                group.Lag,
                group.LastDeliveredId,
                pending.PendingMessageCount > 0 ? pending.LowestPendingMessageId.ToString() : null,
                [.. consumers.Select(c => new ConsumerReport(c.Name, c.PendingMessageCount, c.IdleTimeInMilliseconds))]));
        }
        return new StreamReport(key, info.Length, EntryId(info.FirstEntry), EntryId(info.LastEntry), groups);
    }

    private static string? EntryId(StreamEntry entry) => entry.IsNull ? null : entry.Id.ToString();
}

/// <summary>One stream: its length, its first and last entry (ids carry their time), and its groups.</summary>
public sealed record StreamReport(string Key, long Length, string? FirstId, string? LastId, IReadOnlyList<GroupReport> Groups);

/// <summary>
/// One consumer group. <paramref name="Lag"/> is what Redis reports (entries not yet delivered to the
/// group); null when Redis cannot tell, e.g. after entries were deleted from the middle of the stream.
/// </summary>
public sealed record GroupReport(
    string Name, long Pending, long? Lag, string? LastDeliveredId, string? OldestPendingId, IReadOnlyList<ConsumerReport> Consumers);

public sealed record ConsumerReport(string Name, long Pending, long IdleMs);
