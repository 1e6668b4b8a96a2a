using Lifecycle.Core.Events;
using StackExchange.Redis;

namespace Lifecycle.Core.Streams;

/// <summary>Appends state events to the events stream and nudges idle consumers.</summary>
public sealed class EventPublisher(IConnectionMultiplexer redis, StreamKeys keys)
{
    /// <summary>Returns the stream entry id.</summary>
    public async Task<string> PublishAsync(StateEvent stateEvent)
    {
        var db = redis.GetDatabase();
        var id = await db.StreamAddAsync(keys.Events, StreamFields.Encode(stateEvent)).ConfigureAwait(false);
        // The wake-up is a hint: consumers poll anyway, so losing it costs latency, not events.
        await redis.GetSubscriber()
            .PublishAsync(RedisChannel.Literal(keys.WakeChannel), id, CommandFlags.FireAndForget)
            .ConfigureAwait(false);
        return id.ToString();
    }
}
