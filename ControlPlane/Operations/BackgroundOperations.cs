using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// Tracks every background operation so none is lost: on shutdown they get
/// <see cref="OperationOptions.DrainTimeout"/> to finish, then are cancelled and left to the
/// HostMonitor, which settles or re-drives a transient sandbox once its deadline passes.
/// </summary>
public sealed partial class BackgroundOperations(
    IOptions<OperationOptions> options, TimeProvider clock, OperationCounters counters, ILogger<BackgroundOperations> logger)
    : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<long, Task> _inFlight = new();
    private readonly CancellationTokenSource _abandon = new();
    private long _nextId;

    public int InFlight => _inFlight.Count;

    /// <summary>
    /// Starts <paramref name="work"/> at once; it gets a token that fires when it is abandoned at
    /// shutdown, and returns how it ended, for the metrics.
    /// </summary>
    public void Start(string operation, Guid sandboxId, Func<CancellationToken, Task<string>> work)
    {
        var id = Interlocked.Increment(ref _nextId);
        // Tracked before it runs, so an operation that ends at once cannot leave its entry behind.
        var tracked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var task = Task.Run(async () =>
        {
            await tracked.Task;
            var started = clock.GetTimestamp();
            counters.Started(operation);
            var outcome = OperationCounters.Crashed;
            try
            {
                outcome = await work(_abandon.Token);
            }
            catch (OperationCanceledException) when (_abandon.IsCancellationRequested)
            {
                outcome = OperationCounters.Abandoned;
                LogAbandoned(sandboxId);
            }
            catch (Exception ex)
            {
                // Operations record their own failures; reaching here is a bug, never a reason to crash.
                LogCrashed(ex, sandboxId);
            }
            finally
            {
                counters.Completed(operation, outcome, clock.GetElapsedTime(started));
                _inFlight.TryRemove(id, out _);
            }
        });
        _inFlight.TryAdd(id, task);
        tracked.SetResult();
    }

    /// <summary>Waits until no operation is in flight, or the timeout passes; true when drained.</summary>
    public async Task<bool> DrainAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_inFlight.IsEmpty)
        {
            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                return false;
            }
            await Task.WhenAny(Task.WhenAll(_inFlight.Values), Task.Delay(remaining));
        }
        return true;
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!await DrainAsync(options.Value.DrainTimeout))
        {
            LogAbandoning(_inFlight.Count);
            await _abandon.CancelAsync();
            await DrainAsync(TimeSpan.FromSeconds(2));
        }
    }

    public void Dispose() => _abandon.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Operation on sandbox {SandboxId} abandoned at shutdown; the HostMonitor will settle it")]
    private partial void LogAbandoned(Guid sandboxId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Operation on sandbox {SandboxId} crashed")]
    private partial void LogCrashed(Exception ex, Guid sandboxId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Abandoning {Count} operations still in flight at shutdown")]
    private partial void LogAbandoning(int count);
}
