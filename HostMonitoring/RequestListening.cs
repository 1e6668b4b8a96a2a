using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// This replica's subscription to reconcile requests while it holds shards, made in the background and tried again
/// each second until Redis answers. Never on the pass loop: while Redis is away each try waits out the Redis client's
/// timeout (5 s), and passes, which need only Postgres and the hosts, must keep their interval through a Redis
/// outage (the recorded outcomes they apply are how operations end while the stream is away).
/// </summary>
public sealed class RequestListening : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _subscribing;
    private IAsyncDisposable? _subscription;

    /// <param name="failed">Told of the first failed try only: an outage is one warning, not one a second.</param>
    public RequestListening(ReconcileRequests requests, Action<Guid?> handler, Action<Exception> failed)
    {
        var told = 0;
        _subscribing = Subscriptions.KeepTryingAsync(
            async () => Volatile.Write(ref _subscription, await requests.SubscribeAsync(handler)),
            ex =>
            {
                if (Interlocked.Exchange(ref told, 1) == 0)
                {
                    failed(ex);
                }
            },
            _stop.Token);
    }

    /// <summary>Stops trying (waiting for a try under way to end) and unsubscribes if subscribed.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _subscribing;
        _stop.Dispose();
        if (Volatile.Read(ref _subscription) is { } subscription)
        {
            await subscription.DisposeAsync();
        }
    }
}
