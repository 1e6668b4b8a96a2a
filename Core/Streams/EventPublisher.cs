using System.Diagnostics.Metrics;
using Lifecycle.Core.Events;
using StackExchange.Redis;

namespace Lifecycle.Core.Streams;

/// <summary>Appends state events to the events stream and nudges idle consumers.</summary>
public sealed class EventPublisher(IConnectionMultiplexer redis, StreamKeys keys)
{
    public const string MeterName = "Lifecycle.Events";

    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Published =
        Meter.CreateCounter<long>("lifecycle.events.published", description: "State events appended to the events stream, by type");

    /// <summary>Returns the stream entry id.</summary>
    public async Task<string> PublishAsync(StateEvent stateEvent)
    {
        var db = redis.GetDatabase();
        var id = await db.StreamAddAsync(keys.Events, StreamFields.Encode(stateEvent)).ConfigureAwait(false);
        Published.Add(1, new KeyValuePair<string, object?>("type", stateEvent.Type));
        // The wake-up is a hint: consumers poll anyway, so losing it costs latency, not events.
        await redis.GetSubscriber()
            .PublishAsync(RedisChannel.Literal(keys.WakeChannel), id, CommandFlags.FireAndForget)
            .ConfigureAwait(false);
        return id.ToString();
    }
}
