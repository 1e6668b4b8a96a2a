using StackExchange.Redis;

namespace Lifecycle.Core.Streams;

/// <summary>
/// Asks whichever replica leads the HostMonitor for a pass now. A hint over pub/sub: if nobody
/// hears it, the next scheduled pass does the same work.
/// </summary>
public sealed class ReconcileRequests(IConnectionMultiplexer redis, StreamKeys keys)
{
    /// <summary>
    /// A pass over one host (one that just came back online), or over all hosts when null. Returns
    /// how many replicas heard it: zero means no control plane with a HostMonitor is listening.
    /// </summary>
    public Task<long> RequestAsync(Guid? hostId) =>
        redis.GetSubscriber().PublishAsync(RedisChannel.Literal(keys.ReconcileChannel), hostId?.ToString() ?? "");

    /// <summary>Calls <paramref name="handler"/> with each request: a host id, or null for all hosts.</summary>
    public Task SubscribeAsync(Action<Guid?> handler) =>
        redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.ReconcileChannel),
            (_, message) => handler(Guid.TryParse(message.ToString(), out var id) ? id : null));
}
