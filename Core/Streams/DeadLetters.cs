using StackExchange.Redis;

namespace Lifecycle.Core.Streams;

/// <summary>
/// The dead-letter stream: entries that can never apply, with their original fields plus why,
/// readable with <c>XRANGE</c>, and replayable onto the events stream once the cause is fixed.
/// </summary>
public sealed class DeadLetters(IConnectionMultiplexer redis, StreamKeys keys)
{
    public const string ReasonField = "dead_reason";
    public const string SourceIdField = "dead_source_id";
    public const string ConsumerField = "dead_consumer";
    public const string DeliveriesField = "dead_deliveries";

    /// <summary>Queues the dead letter on <paramref name="batch"/>; the caller executes it.</summary>
    public Task WriteAsync(IBatch batch, RedisValue sourceId, NameValueEntry[] fields, string reason, string consumer, long deliveries)
    {
        NameValueEntry[] letter =
        [
            .. fields,
            new(ReasonField, reason),
            new(SourceIdField, sourceId),
            new(ConsumerField, consumer),
            new(DeliveriesField, deliveries),
        ];
        return batch.StreamAddAsync(keys.DeadLetters, letter);
    }

    public IBatch CreateBatch() => redis.GetDatabase().CreateBatch();

    public Task<StreamEntry[]> ListAsync(int count = 100) =>
        redis.GetDatabase().StreamRangeAsync(keys.DeadLetters, count: count);

    /// <summary>
    /// Puts a dead letter back on the events stream with its original fields (a new entry id, the
    /// same event id, so an event that did apply meanwhile is a harmless duplicate), and removes it
    /// from the dead-letter stream. Returns the new entry id, or null when there is no such letter.
    /// </summary>
    public async Task<string?> ReplayAsync(string deadLetterId)
    {
        var db = redis.GetDatabase();
        var found = await db.StreamRangeAsync(keys.DeadLetters, deadLetterId, deadLetterId, count: 1).ConfigureAwait(false);
        if (found.Length == 0)
        {
            return null;
        }
        var original = found[0].Values.Where(v => !v.Name.ToString().StartsWith("dead_", StringComparison.Ordinal)).ToArray();
        if (original.Length == 0)
        {
            // A trimmed entry: nothing of the event survives to replay; the letter stays as the record.
            return null;
        }
        var id = await db.StreamAddAsync(keys.Events, original).ConfigureAwait(false);
        await db.StreamDeleteAsync(keys.DeadLetters, [deadLetterId]).ConfigureAwait(false);
        return id.ToString();
    }
}
