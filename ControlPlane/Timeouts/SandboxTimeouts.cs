using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>
/// The timeout and connect calls: set or extend a sandbox's time to live, resuming it when a connect finds it paused.
/// Each change is written with the call's idempotency key and under its <c>If-Match</c> (<see cref="RequestWrites"/>).
/// </summary>
public sealed class SandboxTimeouts(
    TimeoutStore store, SandboxStore sandboxes, OperationRequests requests, RequestWrites writes, IdempotencyStore keys, HostDeadlines hosts)
{
    // A connect that loses a race (a paused sandbox resumed, or a resuming one running, by someone else) reads again.
    private const int MaxAttempts = 3;

    /// <summary>Sets the time to live from now: <see cref="TimeoutOutcome.Ready"/> with the sandbox whatever its (settable) status.</summary>
    public async Task<TimeoutOutcome> SetAsync(TimeoutRequest request, CancellationToken ct)
    {
        if (await EarlierAsync(request, ct) is { } earlier)
        {
            return earlier;
        }
        var result = await writes.RunAsync(Write(request),
            (conn, tx) => store.SetAsync(request.TeamId, request.Id, request.TimeoutSec!.Value, ct, conn, tx), set => set.Row, ct);
        if (result.Written is { } set)
        {
            hosts.Tell(set.Row, set.SetAt);
            return new TimeoutOutcome.Ready(set.Row);
        }
        if (await RefusedAsync(request, result, ct) is { } refused)
        {
            return refused;
        }
        return await SettledAsync(request, await sandboxes.GetAsync(request.TeamId, request.Id, ct) is { } row
            ? new TimeoutOutcome.Conflict(row.Status)
            : new TimeoutOutcome.NotFound(), ct);
    }

    /// <summary>
    /// Ready when running (its timer extended, never shortened); underway when starting or resuming (extended too), or
    /// when it was paused and a resume is now requested; a conflict in any other status.
    /// </summary>
    public async Task<TimeoutOutcome> ConnectAsync(TimeoutRequest request, CancellationToken ct)
    {
        if (await EarlierAsync(request, ct) is { } earlier)
        {
            return earlier;
        }
        for (var attempt = 1; ; attempt++)
        {
            var result = await writes.RunAsync(Write(request),
                (conn, tx) => store.ExtendAsync(request.TeamId, request.Id, request.TimeoutSec, ct, conn, tx), extended => extended.Row, ct);
            if (result.Written is { } extended)
            {
                hosts.Tell(extended.Row, extended.SetAt);
                return extended.Row.Status == SandboxStatus.Running
                    ? new TimeoutOutcome.Ready(extended.Row)
                    : new TimeoutOutcome.Underway(extended.Row);
            }
            if (await RefusedAsync(request, result, ct) is { } refused)
            {
                return refused;
            }
            var row = await sandboxes.GetAsync(request.TeamId, request.Id, ct);
            if (row is null)
            {
                return await SettledAsync(request, new TimeoutOutcome.NotFound(), ct);
            }
            if (row.Status != SandboxStatus.Paused || attempt > MaxAttempts)
            {
                return await SettledAsync(request, new TimeoutOutcome.Conflict(row.Status), ct);
            }
            var resume = new OperationRequest(SandboxOperation.Resume, request.TeamId, request.Id, Actors.Team(request.TeamId),
                TimeoutSec: request.TimeoutSec, CountsAgainstQuota: true, Idempotency: request.Idempotency, IfMatch: request.IfMatch);
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
                case RequestOutcome.NoCapacity full:
                    return new TimeoutOutcome.NoCapacity(full.Resource);
                case RequestOutcome.Replayed replayed:
                    return new TimeoutOutcome.Replayed(replayed.Answer);
                case RequestOutcome.KeyReused reused:
                    return new TimeoutOutcome.KeyReused(reused.Earlier);
                case RequestOutcome.PreconditionFailed failed:
                    return new TimeoutOutcome.PreconditionFailed(failed.Sandbox);
            }
            // Moved on between the reads: look again.
        }
    }

    private static RequestWrite Write(TimeoutRequest request) =>
        new(request.TeamId, Idempotency: request.Idempotency, SandboxId: request.Id, IfMatch: request.IfMatch);

    /// <summary>A write refused with nothing changed (its key taken meanwhile, its precondition failed); null for a plain miss.</summary>
    private async Task<TimeoutOutcome?> RefusedAsync<T>(TimeoutRequest request, WriteResult<T> result, CancellationToken ct) where T : class =>
        result switch
        {
            { KeyTaken: true } => await EarlierAsync(request, ct) ?? throw new InvalidOperationException("A taken idempotency key has no answer."),
            { Unmatched: { } current } => await SettledAsync(request, new TimeoutOutcome.PreconditionFailed(current), ct),
            _ => null,
        };

    /// <summary>An answer that changed nothing, unless a request with the same key committed meanwhile.</summary>
    private async Task<TimeoutOutcome> SettledAsync(TimeoutRequest request, TimeoutOutcome outcome, CancellationToken ct) =>
        await EarlierAsync(request, ct) ?? outcome;

    private async Task<TimeoutOutcome?> EarlierAsync(TimeoutRequest request, CancellationToken ct) =>
        await keys.EarlierAsync(request.Idempotency, ct) switch
        {
            ({ } earlier, true) => new TimeoutOutcome.Replayed(earlier.Answer),
            ({ } earlier, false) => new TimeoutOutcome.KeyReused(earlier),
            null => null,
        };
}
