using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// Subscribes in the background, trying again until it succeeds: a process must start and serve while Redis is away
/// (pub/sub only carries hints, never what must be delivered), and a subscription made once is renewed by the Redis
/// client on every reconnect.
/// </summary>
public static class Subscriptions
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <param name="subscribe">The subscription to make.</param>
    /// <param name="failed">Told of each failed try, say to log it once.</param>
    public static Task KeepTryingAsync(Func<Task> subscribe, Action<Exception> failed, CancellationToken stopping) =>
        Task.Run(async () =>
        {
            while (!stopping.IsCancellationRequested)
            {
                try
                {
                    await subscribe();
                    return;
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException)
                {
                    failed(ex);
                }
                try
                {
                    await Task.Delay(RetryInterval, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);
}
