using System.Diagnostics.Metrics;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.ControlPlane.Waiting;

/// <summary>
/// Hears which sandboxes changed (<see cref="SandboxChanges"/>) and wakes the long polls watching
/// them. Holds an entry only while someone watches a sandbox, so memory follows the waiters, not the
/// fleet. Meter <c>Lifecycle.Waits</c>: how many waits are open in this replica.
/// </summary>
public sealed partial class SandboxChangeListener : IHostedService, IDisposable
{
    public const string MeterName = "Lifecycle.Waits";

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Watched> _watched = [];
    private readonly SandboxChanges _changes;
    private readonly ILogger<SandboxChangeListener> _logger;
    private readonly Meter _meter;
    private readonly CancellationTokenSource _stopping = new();
    private int _waits;

    public SandboxChangeListener(SandboxChanges changes, IMeterFactory meters, ILogger<SandboxChangeListener> logger)
    {
        _changes = changes;
        _logger = logger;
        _meter = meters.Create(MeterName);
        _meter.CreateObservableGauge("lifecycle.waits.in_flight", () => Volatile.Read(ref _waits), unit: "{wait}",
            description: "GET …/wait long polls open in this replica");
    }

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
            _waits++;
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

    /// <summary>Subscribes in the background: a start-up while Redis is away must not wait for it (waits still end: they re-read the row every poll interval).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Subscriptions.KeepTryingAsync(() => _changes.SubscribeAsync(OnChanged), LogSubscribeFailed, _stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _meter.Dispose();
        _stopping.Dispose();
    }

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
            if (_watched.TryGetValue(sandboxId, out var watched))
            {
                _waits--;
                if (--watched.Watchers == 0)
                {
                    _watched.Remove(sandboxId);
                }
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
