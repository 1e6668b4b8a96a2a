using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>The timeout and connect calls: set or extend a sandbox's time to live, resuming it when a connect finds it paused.</summary>
public sealed class SandboxTimeouts(TimeoutStore store, SandboxStore sandboxes, OperationRequests requests, HostDeadlines hosts)
{
    // A connect that loses a race (a paused sandbox resumed, or a resuming one running, by someone else) reads again.
    private const int MaxAttempts = 3;

    /// <summary>Sets the time to live from now: <see cref="TimeoutOutcome.Ready"/> with the sandbox whatever its (settable) status.</summary>
    public async Task<TimeoutOutcome> SetAsync(Guid teamId, Guid id, int timeoutSec, CancellationToken ct)
    {
        if (await store.SetAsync(teamId, id, timeoutSec, ct) is { } set)
        {
            hosts.Tell(set.Row, set.SetAt);
            return new TimeoutOutcome.Ready(set.Row);
        }
        return await sandboxes.GetAsync(teamId, id, ct) is { } row
            ? new TimeoutOutcome.Conflict(row.Status)
            : new TimeoutOutcome.NotFound();
    }

    /// <summary>
    /// Ready when running (its timer extended, never shortened); underway when starting or resuming (extended too), or
    /// when it was paused and a resume is now requested; a conflict in any other status.
    /// </summary>
    public async Task<TimeoutOutcome> ConnectAsync(Guid teamId, Guid id, int? timeoutSec, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            if (await store.ExtendAsync(teamId, id, timeoutSec, ct) is { } extended)
            {
                hosts.Tell(extended.Row, extended.SetAt);
                return extended.Row.Status == SandboxStatus.Running
                    ? new TimeoutOutcome.Ready(extended.Row)
                    : new TimeoutOutcome.Underway(extended.Row);
            }
            var row = await sandboxes.GetAsync(teamId, id, ct);
            if (row is null)
            {
                return new TimeoutOutcome.NotFound();
            }
            if (row.Status != SandboxStatus.Paused || attempt > MaxAttempts)
            {
                return new TimeoutOutcome.Conflict(row.Status);
            }
            var resume = new OperationRequest(SandboxOperation.Resume, teamId, id, Contract.Events.Actors.Team(teamId), TimeoutSec: timeoutSec,
                CountsAgainstQuota: true);
            switch (await requests.RequestAsync(resume, ct))
            {
                case RequestOutcome.Accepted accepted:
                    return new TimeoutOutcome.Underway(accepted.Sandbox);
                case RequestOutcome.LifetimeEnded ended:
                    return new TimeoutOutcome.LifetimeEnded(ended.Sandbox);
                case RequestOutcome.NotFound:
                    return new TimeoutOutcome.NotFound();
                case RequestOutcome.QuotaExceeded over:
                    return new TimeoutOutcome.QuotaExceeded(over.Breach);
            }
            // Moved on between the reads: look again.
        }
    }
}
