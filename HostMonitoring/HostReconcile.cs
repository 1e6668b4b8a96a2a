using Grpc.Core;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgent.V1;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// Reconciles one host in service (online, cordoned, draining or drained): reads its sandboxes from the database, then asks the host what it
/// runs, plans, passes the plan through the safety brake, and carries it out. Every status change is
/// an event recorded in the outbox, applied by the consumer from the stream with the same compare-and-set as any other.
/// </summary>
public sealed partial class HostReconcile(
    SandboxStore sandboxes,
    HostStore hosts,
    HostAgentClients clients,
    EventOutbox outbox,
    RecordedEvents recorded,
    SafetyBrake brake,
    OrphanTracker orphans,
    ReconcileCounters counters,
    TimeProvider clock,
    IOptions<HostMonitorOptions> options,
    ILogger<HostReconcile> logger)
{
    /// <summary>Runs within <paramref name="ct"/>, which ends at the host's deadline.</summary>
    public async Task RunAsync(HostTarget host, CancellationToken ct)
    {
        var settings = options.Value;
        // A deadline the host is told from these rows counts as set now: one a client sets after this read wins on the host.
        var readAt = clock.GetUtcNow();
        var rows = await sandboxes.NotStoppedOnHostAsync(host.Id, ct);
        var client = clients.For(host.Id, host.GrpcAddress);
        var reply = await client.ListSandboxesAsync(new ListSandboxesRequest(),
            deadline: clock.GetUtcNow().UtcDateTime + settings.HostDeadline, cancellationToken: ct);
        var now = clock.GetUtcNow().UtcDateTime;
        await hosts.SetUnaccountedAsync(host.Id, Unaccounted(rows, reply), ct);

        var plan = SettlePlanner.Plan(rows, reply, now, settings.TransientGrace);
        plan = await WithoutRecordedAsync(plan, host, ct);
        var due = await orphans.DueAsync(host.Id, [.. plan.OfType<Orphan>()], ct);
        plan = [.. plan.Where(d => d is not Orphan), .. due];
        var population = Math.Max(rows.Count, reply.Sandboxes.Count);
        var (allowed, withheld) = await brake.CheckAsync(host.Id, plan, population, ct);
        if (withheld > 0)
        {
            counters.Withheld(withheld);
            LogBrake(host.Name, withheld, population);
        }

        // Calls to one host run side by side (re-driving fifty creates one by one would outlast the host's deadline).
        await Parallel.ForEachAsync(allowed, new ParallelOptions { MaxDegreeOfParallelism = settings.MaxParallelCallsPerHost, CancellationToken = ct },
            async (decision, token) => await CarryOutAsync(decision, client, host, readAt, token));
    }

    /// <summary>
    /// The plan less the sandboxes that had an event recorded and not yet delivered by the stream (<see cref="RecordedEvents"/>):
    /// that event is applied instead, and the next pass decides afresh from the row it leaves.
    /// </summary>
    private async Task<List<Decision>> WithoutRecordedAsync(List<Decision> plan, HostTarget host, CancellationToken ct)
    {
        var about = plan.Select(SandboxOf).OfType<HostedSandbox>().ToList();
        var applied = await recorded.ApplyAsync(about, ct);
        foreach (var stateEvent in applied)
        {
            counters.Change("recorded_applied", stateEvent.Type);
            LogRecordedApplied(stateEvent.SandboxId, host.Name, stateEvent.Type, stateEvent.EventId);
        }
        var settled = applied.Select(e => e.SandboxId).ToHashSet();
        return settled.Count == 0 ? plan : [.. plan.Where(d => SandboxOf(d) is not { } row || !settled.Contains(row.Id))];
    }

    /// <summary>
    /// The running VMs the host lists that no holding row accounts for. A row read just before the list may miss a
    /// create committed in between, which is then counted twice until the next pass: too much, never too little.
    /// </summary>
    private static Resources Unaccounted(IReadOnlyList<HostedSandbox> rows, ListSandboxesReply reply)
    {
        var statuses = rows.ToDictionary(row => row.Id.ToString(), row => row.Status);
        return CapacityRules.Unaccounted(reply.Sandboxes.Where(vm => vm.State == SandboxState.Running)
            .Select(vm => (statuses.TryGetValue(vm.SandboxId, out var status) ? status : (SandboxStatus?)null, new Resources(vm.Vcpus, vm.MemoryMb))));
    }

    private static HostedSandbox? SandboxOf(Decision decision) => decision switch
    {
        Transit transit => transit.Sandbox,
        Redrive redrive => redrive.Sandbox,
        Enforce enforce => enforce.Sandbox,
        _ => null,
    };

    private async Task CarryOutAsync(Decision decision, HostAgentClient client, HostTarget host, DateTimeOffset readAt, CancellationToken ct)
    {
        switch (decision)
        {
            case SyncDeadline sync:
                await SyncDeadlineAsync(client, sync, host, readAt, ct);
                break;
            case Transit transit:
                await RecordAsync(transit, host, transit.To == SandboxStatus.Error ? $"{transit.Reason}: {transit.Sandbox.Status.ToWire()} sandbox not on its host" : null, ct);
                break;
            case Redrive redrive:
                await RedriveAsync(client, redrive, host, ct);
                break;
            case Enforce enforce:
                await EnforceAsync(client, enforce, host, ct);
                break;
            case Orphan orphan:
                await client.DestroySandboxAsync(new SandboxRef { SandboxId = orphan.SandboxId },
                    deadline: clock.GetUtcNow().UtcDateTime + options.Value.HostDeadline, cancellationToken: ct);
                await orphans.ForgetAsync(host.Id, orphan.SandboxId, ct);
                counters.Change("orphan_destroyed", "orphan");
                LogOrphan(orphan.SandboxId, host.Name, options.Value.OrphanGrace);
                break;
        }
    }

    /// <summary>
    /// Bounded tries with doubling backoff. Success settles the sandbox in what the host then shows;
    /// a failure that will not change by retrying (or the last try) times it out into error.
    /// </summary>
    private async Task RedriveAsync(HostAgentClient client, Redrive redrive, HostTarget host, CancellationToken ct)
    {
        var settings = options.Value;
        // The plan holds no spec (a create's template and sizes): read the whole row, and let it go if
        // the sandbox has moved on since the plan read it.
        if (await sandboxes.GetAnyTeamAsync(redrive.Sandbox.Id, ct) is not { } sandbox
            || sandbox.Version != redrive.Sandbox.Version)
        {
            LogMovedOn(redrive.Sandbox.Id, redrive.Operation.Name);
            return;
        }
        var backoff = settings.RedriveBackoff;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var shown = await HostAgentCalls.InvokeAsync(client, redrive.Operation, sandbox,
                    clock.GetUtcNow().UtcDateTime + settings.HostDeadline, ct);
                var to = HostOutcomes.SettlesIn(redrive.Operation, shown) ?? redrive.Operation.OnSuccess;
                counters.Change("redrive", redrive.Operation.Name);
                await RecordAsync(new Transit(redrive.Sandbox, EventTypes.Settled, to, Reasons.Redriven), host, null, ct);
                return;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted
                && CapacityRules.WhenHostHasNoRoom(redrive.Operation) is { } noRoom && !ct.IsCancellationRequested)
            {
                // The host has no room for it: trying again on the same host changes nothing. A create ends stopped
                // (nothing was made), a resume paused (its snapshot kept), as the operation's own refusal would.
                var refused = $"{Reasons.NoCapacity}: re-driving {redrive.Operation.Name}: {ex.StatusCode} {ex.Status.Detail}";
                counters.Change("redrive", redrive.Operation.Name);
                await RecordAsync(new Transit(redrive.Sandbox, EventTypes.Settled, noRoom, Reasons.NoCapacity), host, refused, ct);
                return;
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested)
            {
                if (attempt < settings.RedriveAttempts && IsWorthRetrying(ex.StatusCode))
                {
                    await Task.Delay(backoff, ct);
                    backoff *= 2;
                    continue;
                }
                var error = $"{Reasons.DeadlinePassed}: re-driving {redrive.Operation.Name} failed after {attempt} attempt(s): {ex.StatusCode} {ex.Status.Detail}";
                await RecordAsync(new Transit(redrive.Sandbox, EventTypes.TimedOut, SandboxStatus.Error, Reasons.DeadlinePassed), host, error, ct);
                return;
            }
        }
    }

    /// <summary>
    /// Makes the host match a settled row. Read afresh first: a request that moved the sandbox since the
    /// plan (a resume of a paused one, say) must not be undone. A failure waits for the next pass.
    /// </summary>
    private async Task EnforceAsync(HostAgentClient client, Enforce enforce, HostTarget host, CancellationToken ct)
    {
        if (await sandboxes.GetAnyTeamAsync(enforce.Sandbox.Id, ct) is not { } sandbox
            || sandbox.Version != enforce.Sandbox.Version)
        {
            LogMovedOn(enforce.Sandbox.Id, enforce.Operation.Name);
            return;
        }
        await HostAgentCalls.InvokeAsync(client, enforce.Operation, sandbox, clock.GetUtcNow().UtcDateTime + options.Value.HostDeadline, ct);
        counters.Change("enforced", enforce.Operation.Name);
        LogEnforced(enforce.Operation.Name, sandbox.Id, host.Name, sandbox.Status.ToWire());
    }

    /// <summary>
    /// Tells the host the row's deadline. A refusal (the sandbox gone meanwhile, a host that does not know the call) is
    /// logged and left to the next pass: it must not stop the rest of this host's pass.
    /// </summary>
    private async Task SyncDeadlineAsync(HostAgentClient client, SyncDeadline sync, HostTarget host, DateTimeOffset readAt, CancellationToken ct)
    {
        try
        {
            await HostAgentCalls.SetTimeoutAsync(client, sync.Sandbox.Id, sync.Sandbox.ExpiresAt!.Value.AsUtc(), readAt,
                clock.GetUtcNow().UtcDateTime + options.Value.HostDeadline, ct);
            counters.Change("deadline_synced", Reasons.Timeout);
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            LogDeadlineNotSynced(sync.Sandbox.Id, host.Name, ex.StatusCode.ToString());
        }
    }

    private static bool IsWorthRetrying(StatusCode code) =>
        code is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted or StatusCode.Internal or StatusCode.Unknown;

    private async Task RecordAsync(Transit transit, HostTarget host, string? error, CancellationToken ct)
    {
        var row = transit.Sandbox;
        await outbox.RecordAsync(StateEvent.HostMonitorCorrection(row, transit.EventType, transit.To, transit.Reason, error, clock.GetUtcNow()), ct);
        counters.Change(transit.EventType, transit.Reason);
        LogTransit(row.Id, host.Name, row.Status.ToWire(), transit.To.ToWire(), transit.EventType, transit.Reason);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox {SandboxId} on {HostName}: applied its recorded {EventType} ({EventId}), which the stream had not delivered")]
    private partial void LogRecordedApplied(Guid sandboxId, string hostName, string eventType, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sandbox {SandboxId} on {HostName}: the host holds another deadline and refused the row's ({Status}); the next pass tries again")]
    private partial void LogDeadlineNotSynced(Guid sandboxId, string hostName, string status);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox {SandboxId} on {HostName}: {From} -> {To} ({EventType}, {Reason})")]
    private partial void LogTransit(Guid sandboxId, string hostName, string from, string to, string eventType, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sandbox {SandboxId} moved on before its {Operation} could be carried out: the next pass decides afresh")]
    private partial void LogMovedOn(Guid sandboxId, string operation);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ran {Operation} on sandbox {SandboxId} on {HostName}: the host did not match its {Status} row")]
    private partial void LogEnforced(string operation, Guid sandboxId, string hostName, string status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destroyed orphan VM {SandboxId} on {HostName}: alive on the host, stopped or unknown in the database for over {Grace}")]
    private partial void LogOrphan(string sandboxId, string hostName, TimeSpan grace);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Safety brake on {HostName}: {Withheld} changes held back (of {Population} sandboxes) until the next pass confirms them")]
    private partial void LogBrake(string hostName, int withheld, int population);
}
