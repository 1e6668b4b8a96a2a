using StackExchange.Redis;

namespace Lifecycle.Core.Streams;

/// <summary>
/// Asks the replica that leads the HostMonitor for a pass now, over pub/sub. Only the leader listens
/// (it subscribes on taking the lease and unsubscribes on losing it), so <c>PUBLISH</c>'s receiver count
/// says whether a leader heard the request.
/// </summary>
public sealed class ReconcileRequests(IConnectionMultiplexer redis, StreamKeys keys)
{
    /// <summary>
    /// A pass over one host (one that just came back online), or over all hosts when null. Returns
    /// how many leaders heard it: zero means no HostMonitor leads at the moment.
    /// </summary>
    public Task<long> RequestAsync(Guid? hostId) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(keys.ReconcileChannel), hostId?.ToString() ?? "");

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
