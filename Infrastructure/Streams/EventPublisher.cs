using System.Diagnostics.Metrics;
using Lifecycle.Contract.Events;
using Lifecycle.Infrastructure.Store;
using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// Appends state events to their sandbox's partition of the events stream and nudges idle consumers. The product's
/// events reach it only through the outbox (<c>Outbox/</c>: the at-once sender and each partition's relay), which
/// has recorded them in Postgres first; <see cref="PublishAsync"/> writes straight to the stream, for tools and tests
/// that play a producer.
/// </summary>
public sealed class EventPublisher(IConnectionMultiplexer redis, StreamKeys keys)
{
    public const string MeterName = "Lifecycle.Events";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Published =
        Meter.CreateCounter<long>("lifecycle.events.published", description: "State events appended to the events stream, by type");

    /// <summary>Whether the connection to Redis is up now: a sender that knows it is not leaves its events to the relay at once.</summary>
    public bool IsConnected => redis.IsConnected;

    /// <summary>Appends to the sandbox's partition; returns the stream entry id.</summary>
    public async Task<string> PublishAsync(StateEvent stateEvent)
    {
        var db = redis.GetDatabase();
        var partition = keys.For(stateEvent.SandboxId);
        var id = await db.StreamAddAsync(partition.Events, StreamEvents.Encode(stateEvent));
        Published.Add(1, new KeyValuePair<string, object?>("type", stateEvent.Type));
        Wake(partition.Index);
        return id.ToString();
    }

    /// <summary>
    /// Appends recorded events in the order given, pipelined on the one connection (so Redis appends them in that
    /// order), and wakes each partition's consumer once. Returns each event's entry id, or null where its append failed.
    /// </summary>
    public async Task<string?[]> AppendAsync(IReadOnlyList<OutboxEntry> entries)
    {
        var db = redis.GetDatabase();
        var appends = new Task<RedisValue>[entries.Count];
        for (var i = 0; i < entries.Count; i++)
        {
            var fields = entries[i].Pairs;
            appends[i] = db.StreamAddAsync(keys.Partition(entries[i].Partition).Events,
                [.. fields.Select(field => new NameValueEntry(field.Key, field.Value))]);
        }
        var ids = new string?[entries.Count];
        for (var i = 0; i < appends.Length; i++)
        {
            try
            {
                ids[i] = (await appends[i]).ToString();
                Published.Add(1, new KeyValuePair<string, object?>("type", entries[i].Type));
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                ids[i] = null;
            }
        }
        foreach (var partition in entries.Where((_, i) => ids[i] is not null).Select(e => e.Partition).Distinct())
        {
            Wake(partition);
        }
        return ids;
    }

    /// <summary>Which of these entries are still on their partition's stream (one pipelined XRANGE each).</summary>
    public async Task<bool[]> OnStreamAsync(IReadOnlyList<OutboxEntry> entries)
    {
        var db = redis.GetDatabase();
        var reads = entries.Select(e => db.StreamRangeAsync(keys.Partition(e.Partition).Events, e.StreamId, e.StreamId, count: 1)).ToArray();
        var found = new bool[reads.Length];
        for (var i = 0; i < reads.Length; i++)
        {
            found[i] = (await reads[i]).Length > 0;
        }
        return found;
    }

    // The wake-up is a hint: consumers poll anyway, so losing it costs latency, not events.
    private void Wake(int partition) =>
        redis.GetSubscriber().Publish(RedisChannel.Literal(keys.WakeChannel), partition, CommandFlags.FireAndForget);
}
