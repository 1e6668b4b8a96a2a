using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// Keeps a partition's events stream bounded and its group tidy. Its owner runs it; two owners for a
/// moment do no harm: trimming to a computed MINID and removing an idle consumer are both safe to repeat.
/// </summary>
public sealed partial class StreamMaintenance(
    IConnectionMultiplexer redis, TimeProvider clock, IOptions<ApplierOptions> options, ILogger<StreamMaintenance> logger)
{
    /// <summary>
    /// Trims entries older than the retention, but never one that is pending or not yet delivered
    /// to the group: history that must last lives in Postgres, the stream only has to outlive delivery.
    /// Returns how many entries went.
    /// </summary>
    public async Task<long> TrimAsync(PartitionKeys partition)
    {
        var db = redis.GetDatabase();
        var group = (await db.StreamGroupInfoAsync(partition.Events))
            .FirstOrDefault(g => g.Name == StreamKeys.ApplierGroup);
        if (group.Name is null)
        {
            return 0;
        }
        var keepFrom = StreamIds.AtTime(clock.GetUtcNow() - options.Value.Retention);
        // Everything after last-delivered is unread; keep it (MINID keeps ids >= the bound).
        if (group.LastDeliveredId is { Length: > 0 } delivered)
        {
            keepFrom = StreamIds.Min(keepFrom, delivered);
        }
        var pending = await db.StreamPendingAsync(partition.Events, StreamKeys.ApplierGroup);
        if (pending.PendingMessageCount > 0)
        {
            keepFrom = StreamIds.Min(keepFrom, pending.LowestPendingMessageId.ToString());
        }
        // Exact, not approximate (~): the bound must hold to the entry.
        var trimmed = await db.StreamTrimByMinIdAsync(partition.Events, keepFrom);
        if (trimmed > 0)
        {
            LogTrimmed(trimmed, keepFrom);
        }
        return trimmed;
    }

    /// <summary>
    /// Removes consumers that hold nothing and have been idle for long (processes long gone). One
    /// with pending entries is never removed: its entries would become unclaimable.
    /// </summary>
    public async Task<int> RemoveIdleConsumersAsync(PartitionKeys partition, string self)
    {
        var db = redis.GetDatabase();
        var removed = 0;
        var idleLimit = (long)options.Value.RemoveIdleConsumersAfter.TotalMilliseconds;
        foreach (var consumer in await db.StreamConsumerInfoAsync(partition.Events, StreamKeys.ApplierGroup))
        {
            if (consumer.Name != self && consumer.PendingMessageCount == 0 && consumer.IdleTimeInMilliseconds > idleLimit)
            {
                await db.StreamDeleteConsumerAsync(partition.Events, StreamKeys.ApplierGroup, consumer.Name);
                LogRemoved(consumer.Name, consumer.IdleTimeInMilliseconds);
                removed++;
            }
        }
        return removed;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trimmed {Count} entries before {MinId}")]
    private partial void LogTrimmed(long count, string minId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed idle consumer {Consumer} (idle {IdleMs} ms, nothing pending)")]
    private partial void LogRemoved(string consumer, long idleMs);
}
