using Lifecycle.Contract.Events;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.ControlPlane.Quotas;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// The API side of every operation: apply the <c>requested</c> transition as a compare-and-set
/// (with its history row), publish it, and hand the host RPC to a tracked background task.
/// </summary>
public sealed partial class OperationRequests(
    SandboxStore store,
    HostPlacement placement,
    EventPublisher publisher,
    BackgroundOperations background,
    TeamQuotas quotas,
    OperationRunner runner,
    TimeProvider clock,
    IOptions<OperationOptions> options,
    ILogger<OperationRequests> logger)
{
    // Losing a compare-and-set means another request moved the row first; re-deciding on the fresh
    // row settles it, and after a few rounds of contention the caller is told the current status.
    private const int MaxAttempts = 3;

    public async Task<RequestOutcome> CreateAsync(NewSandbox sandbox, CancellationToken ct)
    {
        publisher.EnsureConnected();
        var created = StateEvent.CreateRequested(sandbox.Id, sandbox.TeamId, clock.GetUtcNow());
        // A second try when the chosen host is no longer online: the counts were stale, read them afresh.
        for (var attempt = 1; attempt <= 2; attempt++)
        {
            if (await placement.ChooseAsync(ct) is not { } hostId)
            {
                return new RequestOutcome.NoCapacity();
            }
            var (row, breach) = await quotas.WithinAsync(sandbox.TeamId, QuotaDemand.Active(sandbox.Vcpus, sandbox.MemoryMb),
                (conn, tx) => store.CreateOnHostAsync(hostId, sandbox, created, Deadline(), ct, conn, tx), ct);
            if (breach is not null)
            {
                // A retried create of a sandbox accepted earlier is that sandbox, not a new one over the quota.
                return sandbox.IdempotencyKey is not null && await store.FindByIdempotencyKeyAsync(sandbox.TeamId, sandbox.IdempotencyKey, ct) is { } accepted
                    ? new RequestOutcome.Accepted(accepted)
                    : new RequestOutcome.QuotaExceeded(breach);
            }
            if (row is not null)
            {
                await StartAsync(SandboxOperation.Create, created with { HostId = row.HostId }, row, null);
                return new RequestOutcome.Accepted(row);
            }
            if (sandbox.IdempotencyKey is not null
                && await store.FindByIdempotencyKeyAsync(sandbox.TeamId, sandbox.IdempotencyKey, ct) is { } earlier)
            {
                return new RequestOutcome.Accepted(earlier);
            }
            placement.Invalidate();
        }
        return new RequestOutcome.NoCapacity();
    }

    /// <summary>Pause, resume or destroy a team's sandbox.</summary>
    public Task<RequestOutcome> RequestAsync(SandboxOperation operation, Guid teamId, Guid sandboxId, CancellationToken ct) =>
        RequestAsync(new OperationRequest(operation, teamId, sandboxId, Actors.Team(teamId), CountsAgainstQuota: true), ct);

    /// <summary>
    /// Pause, resume or destroy a sandbox of <paramref name="teamId"/> on an operator's behalf (a host's
    /// drain): the path a team's request takes, with the operator's <paramref name="actor"/>, and a
    /// <paramref name="reason"/> written on the request and on its outcome.
    /// </summary>
    public Task<RequestOutcome> RequestAsync(
        SandboxOperation operation, Guid teamId, Guid sandboxId, string actor, string? reason, CancellationToken ct) =>
        RequestAsync(new OperationRequest(operation, teamId, sandboxId, actor, reason), ct);

    /// <summary>
    /// The one path of every pause, resume and destroy: a compare-and-set from the status read, retried on the
    /// fresh row when another request moved it first. A resume restarts the time to live (the request's
    /// <see cref="OperationRequest.TimeoutSec"/>, else the sandbox's own); it is refused once the sandbox's lifetime
    /// has ended. The evictor's request (<see cref="OperationRequest.OnlyIfExpiredBy"/>) lets go of a sandbox
    /// extended meanwhile.
    /// </summary>
    public async Task<RequestOutcome> RequestAsync(OperationRequest request, CancellationToken ct)
    {
        var operation = request.Operation;
        publisher.EnsureConnected();
        for (var attempt = 1; ; attempt++)
        {
            var row = await store.GetAsync(request.TeamId, request.SandboxId, ct);
            if (row is null)
            {
                return new RequestOutcome.NotFound();
            }
            var current = row.Status;
            var now = clock.GetUtcNow();
            if (request.OnlyIfExpiredBy is { } by && !(row.ExpiresAt <= by.UtcDateTime))
            {
                return new RequestOutcome.NoLongerDue(row);
            }
            if (current == operation.InProgress)
            {
                // The same operation is already under way: repeating it is not an error.
                return new RequestOutcome.Accepted(row);
            }
            if (!operation.Requested.From.Contains(current) || attempt > MaxAttempts)
            {
                return new RequestOutcome.Conflict(current);
            }
            DateTimeOffset? expiresAt = null;
            if (operation == SandboxOperation.Resume)
            {
                var lifetimeEnd = row.LifetimeEndsAt.AsUtc();
                if (lifetimeEnd <= now)
                {
                    return new RequestOutcome.LifetimeEnded(row);
                }
                expiresAt = TimeToLive.ExpiresAt(now, request.TimeoutSec ?? row.TimeoutSec, lifetimeEnd);
            }
            var requested = StateEvent.Requested(operation, row, request.Actor, request.Reason, now);
            var write = new TransitionWrite(requested, Deadline(), expiresAt, request.OnlyIfExpiredBy);
            var (moved, breach) = DemandOf(request, row) is { } demand
                ? await quotas.WithinAsync(request.TeamId, demand, (conn, tx) => store.TryTransitionAsync(write, ct, conn, tx), ct)
                : (await store.TryTransitionAsync(write, ct), null);
            if (breach is not null)
            {
                return new RequestOutcome.QuotaExceeded(breach);
            }
            if (moved is not null)
            {
                await StartAsync(operation, requested, moved, request.Reason);
                return new RequestOutcome.Accepted(moved);
            }
        }
    }

    /// <summary>What a team's own resume or pause adds to its usage; null for anything not checked against quotas.</summary>
    private static QuotaDemand? DemandOf(OperationRequest request, SandboxRow row) =>
        !request.CountsAgainstQuota ? null
        : request.Operation == SandboxOperation.Resume ? QuotaDemand.Active(row.Vcpus, row.MemoryMb)
        : request.Operation == SandboxOperation.Pause ? QuotaDemand.Paused
        : null;

    private async Task StartAsync(SandboxOperation operation, StateEvent requested, SandboxRow row, string? reason)
    {
        try
        {
            await publisher.PublishAsync(requested);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The transition is committed with its history row; the stream copy is for watchers only.
            LogPublishFailed(ex, requested.EventId, row.Id);
        }
        background.Start(operation.Name, row.Id, ct => runner.RunAsync(operation, row, reason, ct));
    }

    private DateTimeOffset Deadline() => clock.GetUtcNow() + options.Value.Deadline;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing requested event {EventId} of sandbox {SandboxId} failed")]
    private partial void LogPublishFailed(Exception ex, Guid eventId, Guid sandboxId);
}
