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

    /// <summary>
    /// Throws the outage at once when Redis is not connected: a request that would change a sandbox must
    /// not be accepted while its outcome could not be published (it would wait out the client's timeout,
    /// then leave the sandbox transient until the HostMonitor found it).
    /// </summary>
    public void EnsureConnected()
    {
        if (!redis.IsConnected)
        {
            throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "Redis is not connected", null, CommandStatus.Unknown);
        }
    }

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
