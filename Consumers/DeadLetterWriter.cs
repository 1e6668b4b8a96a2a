using Lifecycle.Core.Streams;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// Moves entries that can never apply to the dead-letter stream, keeping their original fields and
/// adding why, so they can be read with <c>XRANGE</c> and replayed once fixed.
/// </summary>
public sealed class DeadLetterWriter(IConnectionMultiplexer redis, StreamKeys keys)
{
    public const string ReasonField = "dead_reason";
    public const string SourceIdField = "dead_source_id";
    public const string ConsumerField = "dead_consumer";

    public Task WriteAsync(IBatch batch, StreamEntry entry, string reason, string consumer)
    {
        NameValueEntry[] fields =
        [
            .. entry.Values,
            new(ReasonField, reason),
            new(SourceIdField, entry.Id),
            new(ConsumerField, consumer),
        ];
        return batch.StreamAddAsync(keys.DeadLetters, fields);
    }

    public IBatch CreateBatch() => redis.GetDatabase().CreateBatch();
}
