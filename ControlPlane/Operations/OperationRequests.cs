using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.ControlPlane.Quotas;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// The API side of every operation: apply the <c>requested</c> transition as a compare-and-set, with its history row
/// and its outbox record in the same statement, hand the event to the at-once sender, and the host RPC to a tracked
/// background task. Nothing here waits for Redis: a request is accepted while Postgres is.
/// </summary>
public sealed class OperationRequests(
    SandboxStore store,
    HostPlacement placement,
    EventOutbox outbox,
    BackgroundOperations background,
    RequestWrites writes,
    TeamQuotas quotas,
    HostCapacity capacity,
    IdempotencyStore keys,
    OperationRunner runner,
    TimeProvider clock,
    IOptions<OperationOptions> options)
{
    // Losing a compare-and-set means another request moved the row first; re-deciding on the fresh
    // row settles it, and after a few rounds of contention the caller is told the current status.
    private const int MaxAttempts = 3;

    private const int MaxPlacementAttempts = 3;

    /// <summary>
    /// Creates a team's sandbox on a host placement chooses. With <paramref name="idempotency"/>, a request made before
    /// with the same key is answered as it was (or refused when it was another request), and the key is stored with
    /// the sandbox's row in one transaction. The answers come in the contract's order: too big for any host, over a
    /// quota, no host with room now.
    /// </summary>
    public async Task<RequestOutcome> CreateAsync(NewSandbox sandbox, IdempotentRequest? idempotency, CancellationToken ct)
    {
        if (await EarlierAsync(idempotency, ct) is { } earlier)
        {
            return earlier;
        }
        var created = StateEvent.CreateRequested(sandbox.Id, sandbox.TeamId, clock.GetUtcNow());
        var quota = QuotaDemand.Active(sandbox.Vcpus, sandbox.MemoryMb);
        var size = new Resources(sandbox.Vcpus, sandbox.MemoryMb);
        var tried = new List<Guid>();
        RequestOutcome refused = new RequestOutcome.NoHost();
        // Another host when the chosen one turns out full (its lock counted what this replica's loads had not seen yet)
        // or no longer online; a few, so a create never walks the whole fleet.
        for (var attempt = 1; attempt <= MaxPlacementAttempts; attempt++)
        {
            Guid hostId;
            switch (await placement.ChooseAsync(size, tried, ct))
            {
                case PlacementChoice.OnHost on:
                    hostId = on.HostId;
                    break;
                case PlacementChoice.TooBig big:
                    return new RequestOutcome.TooBig(big.Resource, big.Largest);
                case PlacementChoice.Full full:
                    return await OverQuotaAsync(sandbox.TeamId, quota, ct) ?? new RequestOutcome.NoCapacity(full.Resource);
                default:
                    return await OverQuotaAsync(sandbox.TeamId, quota, ct) ?? new RequestOutcome.NoHost();
            }
            var recorded = outbox.RecordOf(created with { HostId = hostId });
            // The insert counts the host's capacity under its lock itself (SandboxStore.CreateOnHostAsync), in one round trip.
            var request = new RequestWrite(sandbox.TeamId, quota, idempotency);
            var result = await writes.RunAsync(request,
                (conn, tx) => store.CreateOnHostAsync(hostId, sandbox, recorded, Deadline(), ct, conn, tx, capacity.Ratios), row => row, ct);
            if (result.KeyTaken)
            {
                // A concurrent request with the same key committed first: its answer is this one's.
                return await EarlierAsync(idempotency, ct) ?? throw new InvalidOperationException("A taken idempotency key has no answer.");
            }
            if (result.Breach is { } breach)
            {
                return new RequestOutcome.QuotaExceeded(breach);
            }
            if (result.Written is { } row)
            {
                placement.Placed(hostId, size);
                Start(SandboxOperation.Create, recorded, row, null);
                return new RequestOutcome.Accepted(row);
            }
            tried.Add(hostId);
            // Nothing written: the host had no room under its lock, or is no longer online. Which, counted again.
            if (await capacity.ShortfallNowAsync(new HostDemand(hostId, size), ct) is { } shortfall)
            {
                placement.Refused(shortfall);
                refused = new RequestOutcome.NoCapacity(shortfall.Resource);
            }
            else
            {
                placement.Invalidate(); // the loads are stale: the host is gone, or room was made since
            }
        }
        return refused;
    }

    /// <summary>The team's quota breach, when a create refused for want of a host would also be over a quota: the 429 comes first.</summary>
    private async Task<RequestOutcome?> OverQuotaAsync(Guid teamId, QuotaDemand demand, CancellationToken ct) =>
        await quotas.BreachNowAsync(teamId, demand, ct) is { } breach ? new RequestOutcome.QuotaExceeded(breach) : null;

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
    /// extended meanwhile. A team's request may carry an idempotency key (its answer is stored with the change, and
    /// replayed to a retry) and an <c>If-Match</c> (checked on the locked row before the change).
    /// </summary>
    public async Task<RequestOutcome> RequestAsync(OperationRequest request, CancellationToken ct)
    {
        var operation = request.Operation;
        if (await EarlierAsync(request.Idempotency, ct) is { } earlier)
        {
            return earlier;
        }
        for (var attempt = 1; ; attempt++)
        {
            var row = await store.GetAsync(request.TeamId, request.SandboxId, ct);
            if (row is null)
            {
                return await SettledAsync(request, new RequestOutcome.NotFound(), ct);
            }
            if (request.IfMatch is { } ifMatch && !ifMatch.Matches(row))
            {
                return await SettledAsync(request, new RequestOutcome.PreconditionFailed(row), ct);
            }
            var current = row.Status;
            var now = clock.GetUtcNow();
            if (request.OnlyIfExpiredBy is { } by && !(row.ExpiresAt <= by.UtcDateTime))
            {
                return new RequestOutcome.NoLongerDue(row);
            }
            var write = new RequestWrite(request.TeamId, DemandOf(request, row), request.Idempotency, request.SandboxId, request.IfMatch, HoldsOf(request, row));
            if (current == operation.InProgress)
            {
                // The same operation is already under way: repeating it is not an error. With a key, that answer is
                // stored like any other, while the sandbox is still under way.
                if (request.Idempotency is null)
                {
                    return new RequestOutcome.Accepted(row);
                }
                var repeated = await writes.RunAsync(write with { Demand = null, OnHost = null },
                    async (conn, tx) => await store.GetForUpdateAsync(request.TeamId, request.SandboxId, conn!, tx!, ct) is { } locked
                        && locked.Status == operation.InProgress ? locked : null, locked => locked, ct);
                if (await OutcomeOfAsync(request, repeated, ct) is { } answered)
                {
                    return answered;
                }
                continue;
            }
            if (!operation.Requested.From.Contains(current) || attempt > MaxAttempts)
            {
                return await SettledAsync(request, new RequestOutcome.Conflict(current), ct);
            }
            DateTimeOffset? expiresAt = null;
            if (operation == SandboxOperation.Resume)
            {
                var lifetimeEnd = row.LifetimeEndsAt.AsUtc();
                if (lifetimeEnd <= now)
                {
                    return await SettledAsync(request, new RequestOutcome.LifetimeEnded(row), ct);
                }
                expiresAt = TimeToLive.ExpiresAt(now, request.TimeoutSec ?? row.TimeoutSec, lifetimeEnd);
            }
            var requested = StateEvent.Requested(operation, row, request.Actor, request.Reason, now);
            var transition = new TransitionWrite(requested, Deadline(), expiresAt, request.OnlyIfExpiredBy);
            var recorded = outbox.RecordOf(requested);
            var result = await writes.RunAsync(write, (conn, tx) => store.TryTransitionAsync(transition, recorded, ct, conn, tx), moved => moved, ct);
            if (result.Written is { } moved)
            {
                Start(operation, recorded, moved, request.Reason);
                return new RequestOutcome.Accepted(moved);
            }
            if (await OutcomeOfAsync(request, result, ct) is { } refused)
            {
                return refused;
            }
        }
    }

    /// <summary>
    /// What a write that was refused answers (its key taken by a concurrent request, a quota breach, a failed
    /// precondition), or what one that stored a repeat answers; null when it lost a compare-and-set and the row must
    /// be read again.
    /// </summary>
    private async Task<RequestOutcome?> OutcomeOfAsync(OperationRequest request, WriteResult<SandboxRow> result, CancellationToken ct) =>
        result switch
        {
            { KeyTaken: true } => await EarlierAsync(request.Idempotency, ct) ?? throw new InvalidOperationException("A taken idempotency key has no answer."),
            { Breach: { } breach } => new RequestOutcome.QuotaExceeded(breach),
            { Shortfall: { } shortfall } => Refused(shortfall),
            { Unmatched: { } current } => await SettledAsync(request, new RequestOutcome.PreconditionFailed(current), ct),
            { Written: { } row } => new RequestOutcome.Accepted(row),
            _ => null,
        };

    /// <summary>
    /// An answer that changed nothing (a conflict, a failed precondition) for a request with a key: when a request
    /// with that key committed meanwhile (it is what moved the sandbox), its answer instead.
    /// </summary>
    private async Task<RequestOutcome> SettledAsync(OperationRequest request, RequestOutcome outcome, CancellationToken ct) =>
        await EarlierAsync(request.Idempotency, ct) ?? outcome;

    /// <summary>The answer of an earlier request with the key: replayed when it was the same request, refused when another.</summary>
    private async Task<RequestOutcome?> EarlierAsync(IdempotentRequest? idempotency, CancellationToken ct) =>
        await keys.EarlierAsync(idempotency, ct) switch
        {
            ({ } earlier, true) => new RequestOutcome.Replayed(earlier.Answer),
            ({ } earlier, false) => new RequestOutcome.KeyReused(earlier),
            null => null,
        };

    /// <summary>What a team's own resume or pause adds to its usage; null for anything not checked against quotas.</summary>
    private static QuotaDemand? DemandOf(OperationRequest request, SandboxRow row) =>
        !request.CountsAgainstQuota ? null
        : request.Operation == SandboxOperation.Resume ? QuotaDemand.Active(row.Vcpus, row.MemoryMb)
        : request.Operation == SandboxOperation.Pause ? QuotaDemand.Paused
        : null;

    /// <summary>
    /// What a resume newly holds on its sandbox's own host: a paused sandbox holds nothing there (its snapshot is on disk),
    /// a resumed one its size. Whoever asks, since the host has the same room for an operator's resume. Null for every
    /// other operation: pausing and destroying hold no more than the sandbox held already, and are never refused for room.
    /// </summary>
    private static HostDemand? HoldsOf(OperationRequest request, SandboxRow row) =>
        request.Operation == SandboxOperation.Resume && row.HostId is { } hostId ? new HostDemand(hostId, new Resources(row.Vcpus, row.MemoryMb)) : null;

    /// <summary>A resume whose host has no room: the sandbox stays paused, and this replica's loads learn the host is full.</summary>
    private RequestOutcome Refused(CapacityShortfall shortfall)
    {
        placement.Refused(shortfall);
        return new RequestOutcome.NoCapacity(shortfall.Resource);
    }

    /// <summary>The request has committed with its event recorded: the event goes to the stream, the operation to its host.</summary>
    private void Start(SandboxOperation operation, OutboxRecord requested, SandboxRow row, string? reason)
    {
        outbox.Committed(requested);
        background.Start(operation.Name, row.Id, ct => runner.RunAsync(operation, row, reason, ct));
    }

    private DateTimeOffset Deadline() => clock.GetUtcNow() + options.Value.Deadline;
}
