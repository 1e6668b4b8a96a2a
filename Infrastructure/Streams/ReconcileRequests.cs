using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// Asks the replicas that own shards of hosts for a pass now, over pub/sub; each acts on the hosts it owns.
/// Only a replica holding shards listens (it subscribes on taking its first and unsubscribes on losing its
/// last), so <c>PUBLISH</c>'s receiver count says whether any owner heard the request.
/// </summary>
public sealed class ReconcileRequests(IConnectionMultiplexer redis, StreamKeys keys)
{
    /// <summary>
    /// A pass over one host (one that just came back online), or over all hosts when null. Returns
    /// how many owners of shards heard it: zero means no replica runs the HostMonitor at the moment.
    /// </summary>
    public Task<long> RequestAsync(Guid? hostId) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(keys.ReconcileChannel), hostId?.ToString() ?? "");

    /// <summary>
    /// The same request as a hint, for a caller that must not wait on Redis or fail with it (a heartbeat, a host's
    /// retirement): sent without waiting for an answer, and dropped while Redis is away, when the HostMonitor's own
    /// interval passes do the work.
    /// </summary>
    public void Hint(Guid? hostId)
    {
        try
        {
            redis.GetSubscriber().Publish(RedisChannel.Literal(keys.ReconcileChannel), hostId?.ToString() ?? "", CommandFlags.FireAndForget);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // A hint: the next interval's pass covers it.
        }
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with each request (a host id, or null for all hosts) until the
    /// returned subscription is disposed.
    /// </summary>
    public async Task<IAsyncDisposable> SubscribeAsync(Action<Guid?> handler)
    {
        var channel = RedisChannel.Literal(keys.ReconcileChannel);
        var subscriber = redis.GetSubscriber();
        Action<RedisChannel, RedisValue> onMessage = (_, message) => handler(Guid.TryParse(message.ToString(), out var id) ? id : null);
        await subscriber.SubscribeAsync(channel, onMessage);
        return new Subscription(() => subscriber.UnsubscribeAsync(channel, onMessage));
    }

    private sealed class Subscription(Func<Task> unsubscribe) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await unsubscribe();
    }
}
