using System.Diagnostics.Metrics;
using Lifecycle.Contract.Events;
using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>Appends state events to their sandbox's partition of the events stream and nudges idle consumers.</summary>
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

    /// <summary>Appends to the sandbox's partition; returns the stream entry id.</summary>
    public async Task<string> PublishAsync(StateEvent stateEvent)
    {
        var db = redis.GetDatabase();
        var partition = keys.For(stateEvent.SandboxId);
        var id = await db.StreamAddAsync(partition.Events, StreamEvents.Encode(stateEvent));
        Published.Add(1, new KeyValuePair<string, object?>("type", stateEvent.Type));
        // The wake-up is a hint: consumers poll anyway, so losing it costs latency, not events.
        await redis.GetSubscriber()
            .PublishAsync(RedisChannel.Literal(keys.WakeChannel), partition.Index, CommandFlags.FireAndForget);
        return id.ToString();
    }
}
