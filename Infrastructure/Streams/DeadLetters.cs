using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// The dead-letter streams, one per partition: entries that can never apply, with their original
/// fields plus why, readable with <c>XRANGE</c>, and replayable onto their partition's events stream
/// once the cause is fixed.
/// </summary>
public sealed class DeadLetters(IConnectionMultiplexer redis)
{
    public const string ReasonField = "dead_reason";
    public const string SourceIdField = "dead_source_id";
    public const string ConsumerField = "dead_consumer";
    public const string DeliveriesField = "dead_deliveries";

    /// <summary>Why an entry that was deleted from the stream while pending is a dead letter.</summary>
    public const string TrimmedWhilePending = "trimmed while pending";

    /// <summary>
    /// One entry to set aside: its id on the events stream, its fields (none if trimmed), why (in
    /// words), and the <see cref="Kinds">kind</see> of why (a bounded set, for metrics).
    /// </summary>
    public sealed record Letter(RedisValue SourceId, NameValueEntry[] Fields, string Reason, long Deliveries, string Kind);

    /// <summary>The kinds of reason an entry is dead-lettered for.</summary>
    public static class Kinds
    {
        public const string Unreadable = "unreadable";
        public const string TooManyDeliveries = "too_many_deliveries";
        public const string RejectedByPostgres = "rejected_by_postgres";
        public const string TrimmedWhilePending = "trimmed_while_pending";
    }

    /// <summary>Writes the letters of one partition in one pipelined batch.</summary>
    public async Task WriteAsync(PartitionKeys partition, IReadOnlyCollection<Letter> letters, string consumer)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var writes = letters.Select(letter => batch.StreamAddAsync(partition.DeadLetters,
        [
            .. letter.Fields,
            new(ReasonField, letter.Reason),
            new(SourceIdField, letter.SourceId),
            new(ConsumerField, consumer),
            new(DeliveriesField, letter.Deliveries),
        ])).ToList();
        batch.Execute();
        await Task.WhenAll(writes);
    }

    /// <summary>Letters oldest first, starting after <paramref name="after"/> (exclusive) when given.</summary>
    public Task<StreamEntry[]> ListAsync(PartitionKeys partition, int count = 100, string? after = null) =>
        redis.GetDatabase().StreamRangeAsync(partition.DeadLetters, after is null ? "-" : $"({after}", "+", count);

    /// <summary>What became of a replay: the new entry id when it went back on the stream.</summary>
    public sealed record Replay(ReplayOutcome Outcome, string? NewId = null);

    public enum ReplayOutcome
    {
        Replayed,
        NotFound,

        /// <summary>The letter of an entry trimmed while pending: nothing of the event survives, so the letter stays as the record.</summary>
        NothingToReplay,
    }

    /// <summary>
    /// Puts a dead letter back on its partition's events stream with its original fields (a new entry
    /// id, the same event id, so an event that did apply meanwhile is a harmless duplicate), and removes
    /// it from the dead-letter stream.
    /// </summary>
    public async Task<Replay> ReplayAsync(PartitionKeys partition, string deadLetterId)
    {
        var db = redis.GetDatabase();
        var found = await db.StreamRangeAsync(partition.DeadLetters, deadLetterId, deadLetterId, count: 1);
        if (found.Length == 0)
        {
            return new Replay(ReplayOutcome.NotFound);
        }
        var original = found[0].Values.Where(v => !v.Name.ToString().StartsWith("dead_", StringComparison.Ordinal)).ToArray();
        if (original.Length == 0)
        {
            return new Replay(ReplayOutcome.NothingToReplay);
        }
        // One MULTI: the event goes back and the letter goes away together, or neither does. Both
        // keys carry the partition's hash tag, so on a cluster they share a slot.
        var transaction = db.CreateTransaction();
        var added = transaction.StreamAddAsync(partition.Events, original);
        _ = transaction.StreamDeleteAsync(partition.DeadLetters, [deadLetterId]);
        await transaction.ExecuteAsync();
        return new Replay(ReplayOutcome.Replayed, (await added).ToString());
    }
}
