using Lifecycle.Core.Streams;

namespace Lifecycle.ControlPlane.Waiting;

/// <summary>
/// Hears which sandboxes changed (<see cref="SandboxChanges"/>) and wakes the long polls watching
/// them. Holds an entry only while someone watches a sandbox, so memory follows the waiters, not the fleet.
/// </summary>
public sealed partial class SandboxChangeListener(SandboxChanges changes, ILogger<SandboxChangeListener> logger) : IHostedService
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Watched> _watched = [];

    /// <summary>Start watching before reading the row, so a change in between is not missed; dispose to stop.</summary>
    public IDisposable Watch(Guid sandboxId)
    {
        lock (_gate)
        {
            if (!_watched.TryGetValue(sandboxId, out var watched))
            {
                _watched[sandboxId] = watched = new Watched();
            }
            watched.Watchers++;
        }
        return new Unwatch(this, sandboxId);
    }

    /// <summary>Completes at the next change of a watched sandbox.</summary>
    public Task NextChangeAsync(Guid sandboxId)
    {
        lock (_gate)
        {
            return _watched.TryGetValue(sandboxId, out var watched)
                ? watched.Next.Task
                : throw new InvalidOperationException($"sandbox {sandboxId} is not being watched");
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await changes.SubscribeAsync(OnChanged).ConfigureAwait(false);
        }
        catch (StackExchange.Redis.RedisException ex)
        {
            // Waits still end: they re-read the row every poll interval.
            LogSubscribeFailed(ex);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void OnChanged(Guid sandboxId)
    {
        TaskCompletionSource? fired = null;
        lock (_gate)
        {
            if (_watched.TryGetValue(sandboxId, out var watched))
            {
                fired = watched.Next;
                watched.Next = NewSignal();
            }
        }
        fired?.TrySetResult();
    }

    private void Release(Guid sandboxId)
    {
        lock (_gate)
        {
            if (_watched.TryGetValue(sandboxId, out var watched) && --watched.Watchers == 0)
            {
                _watched.Remove(sandboxId);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to sandbox changes; waits fall back to polling")]
    private partial void LogSubscribeFailed(Exception ex);

    private sealed class Watched
    {
        public int Watchers { get; set; }

        public TaskCompletionSource Next { get; set; } = NewSignal();
    }

    private sealed class Unwatch(SandboxChangeListener listener, Guid sandboxId) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                listener.Release(sandboxId);
            }
        }
    }
}
