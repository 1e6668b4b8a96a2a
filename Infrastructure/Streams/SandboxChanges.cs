using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// Tells every replica which sandboxes' rows just changed, so a long poll on one of them re-reads it
/// at once. A hint over pub/sub, like the consumers' wake-up: a waiter that misses it polls anyway.
/// </summary>
public sealed class SandboxChanges(IConnectionMultiplexer redis, StreamKeys keys)
{
    /// <summary>One message per applied batch, the ids comma-separated; sent without waiting for Redis.</summary>
    public Task PublishAsync(IReadOnlyCollection<Guid> sandboxIds) =>
        sandboxIds.Count == 0
            ? Task.CompletedTask
            : redis.GetSubscriber().PublishAsync(RedisChannel.Literal(keys.ChangedChannel), string.Join(',', sandboxIds), CommandFlags.FireAndForget);

    /// <summary>Calls <paramref name="handler"/> with each changed sandbox's id.</summary>
    public Task SubscribeAsync(Action<Guid> handler) =>
        redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.ChangedChannel), (_, message) =>
        {
            foreach (var part in message.ToString().Split(','))
            {
                if (Guid.TryParse(part, out var id))
                {
                    handler(id);
                }
            }
        });
}
