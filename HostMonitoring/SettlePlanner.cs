using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgent.V1;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// Compares what the database says of one host's sandboxes with what the host reports, and decides
/// what to change. Pure: no I/O, so every rule is tested directly. The database must be read
/// before the host is asked: a sandbox the host lacks was then already in the database's answer, so a
/// create that lands in between can never be taken for an exit (it can look like an orphan, which the
/// orphan grace covers).
/// </summary>
public static class SettlePlanner
{
    public static List<Decision> Plan(IReadOnlyList<HostedSandbox> rows, ListSandboxesReply reply, DateTime now, TimeSpan transientGrace)
    {
        // Keyed by the parsed id, so matching a row allocates nothing (a pass may compare 100,000 of them).
        var onHost = new Dictionary<Guid, SandboxInfo>(reply.Sandboxes.Count);
        var decisions = new List<Decision>();
        foreach (var info in reply.Sandboxes)
        {
            if (!Guid.TryParse(info.SandboxId, out var id))
            {
                decisions.Add(new Orphan(info.SandboxId)); // not an id this control plane ever gives out
            }
            else
            {
                onHost.TryAdd(id, info);
            }
        }
        var autoPaused = ParsedIds(reply.AutoPausedIds);
        var stored = ParsedIds(reply.StoredSnapshotIds);
        foreach (var row in rows)
        {
            // Taken out as it is matched: what the host still lists at the end is unknown here.
            onHost.Remove(row.Id, out var alive);
            var shown = alive is not null ? HostView.Status(alive) : stored.Contains(row.Id) ? Paused : null;
            if (alive is not null && shown is null)
            {
                continue; // a state this control plane does not know: decide nothing on it
            }
            if (Decide(row, shown, alive, autoPaused.Contains(row.Id), now, transientGrace) is { } decision)
            {
                decisions.Add(decision);
            }
        }
        decisions.AddRange(onHost.Values.Select(info => new Orphan(info.SandboxId)));
        return decisions;
    }

    /// <param name="shown">What the host shows: running, paused (its VM, or a snapshot kept off the host), or null for neither.</param>
    /// <param name="alive">The host's VM for the row, running or paused on the host itself; null when it has none.</param>
    private static Decision? Decide(HostedSandbox row, SandboxStatus? shown, SandboxInfo? alive, bool autoPausedByHost, DateTime now, TimeSpan transientGrace)
    {
        var vmOnHost = alive is not null;
        var status = row.Status;
        switch (status)
        {
            case Missing:
                return DecideMissing(row, shown);
            case Running when shown == Paused || (shown is null && autoPausedByHost):
                return new Transit(row, EventTypes.AutoPaused, Paused, Expired(row, now) ? Reasons.Timeout : Reasons.AutoPausedByHost);
            case Running when shown is null:
                return new Transit(row, EventTypes.Exited, Stopped,
                    LifetimeOver(row, now) ? Reasons.MaxLifetime : Expired(row, now) ? Reasons.Timeout : Reasons.AbsentOnHost);
            case Running when alive is not null && DeadlineDrifted(row, alive):
                return new SyncDeadline(row);
            case Paused when shown is null && LifetimeOver(row, now):
                // Its host destroyed it at the end of its lifetime, as the evictor would have.
                return new Transit(row, EventTypes.Exited, Stopped, Reasons.MaxLifetime);
            case Paused when shown is null:
                return new Transit(row, EventTypes.Vanished, Stopped, Reasons.SnapshotGone);
            case Paused when shown == Running && Settled(row, now, transientGrace):
                // The client was told it is paused (a pause that succeeded, or a resume that failed): the
                // host is made to match, not the row, so no accepted request is undone.
                return new Enforce(row, SandboxOperation.Pause);
            case Error when vmOnHost && Settled(row, now, transientGrace):
                // An error row holds nothing: whatever failed (a create that timed out, a destroy), a VM
                // that came up or lived on anyway runs unseen and billed. Destroyed, the row stays error.
                return new Enforce(row, SandboxOperation.Destroy);
            case Starting or Pausing or Resuming or Stopping:
                return Settled(row, now, transientGrace) ? DecideTransient(row, SandboxOperation.UnderWayIn(status)!, shown, now) : null;
            default:
                // Running or paused as the host shows, or error with nothing on the host.
                return null;
        }
    }

    /// <summary>
    /// Back from missing. Lost mid-operation, it returns to that operation (re-driven once its grace
    /// passes), whatever the host shows; otherwise it is what the host shows. Gone: vanished.
    /// </summary>
    private static Transit DecideMissing(HostedSandbox row, SandboxStatus? shown)
    {
        if (shown is null)
        {
            return new Transit(row, EventTypes.Vanished, Stopped, Reasons.AbsentOnHost);
        }
        return row.LostFrom is { } was && was.IsTransient()
            ? new Transit(row, EventTypes.Found, was, Reasons.ResumesOperation)
            : new Transit(row, EventTypes.Found, shown.Value, Reasons.AliveOnHost);
    }

    /// <summary>Its time to live has run out: a pause or exit the host made now is the host enforcing it.</summary>
    private static bool Expired(HostedSandbox row, DateTime now) => row.ExpiresAt <= now;

    private static bool LifetimeOver(HostedSandbox row, DateTime now) => row.LifetimeEndsAt <= now;

    /// <summary>
    /// The host holds another deadline for a running sandbox than its row (a notice lost, or two that crossed): a host
    /// that would pause it early is the failure users of timeouts fear most, so it is told the row's.
    /// </summary>
    private static bool DeadlineDrifted(HostedSandbox row, SandboxInfo alive) =>
        row.ExpiresAt is { } expires && Math.Abs(HostAgentCalls.UnixMs(expires) - alive.ExpiresAtUnixMs) > DeadlineTolerance.TotalMilliseconds;

    /// <summary>Below it, the host's and the row's deadline are the same: one was rounded to milliseconds.</summary>
    private static readonly TimeSpan DeadlineTolerance = TimeSpan.FromSeconds(1);

    /// <summary>Left alone for a grace after its last change: an operation or request may still be acting on it.</summary>
    private static bool Settled(HostedSandbox row, DateTime now, TimeSpan grace) => now - row.UpdatedAt >= grace;

    private static Decision? DecideTransient(HostedSandbox row, SandboxOperation operation, SandboxStatus? shown, DateTime now)
    {
        if (HostOutcomes.SettlesIn(operation, shown) is { } outcome)
        {
            return new Transit(row, EventTypes.Settled, outcome, shown is null ? Reasons.AbsentOnHost : Reasons.HostShowsOutcome);
        }
        var deadlinePassed = row.OperationDeadline is not { } deadline || deadline <= now;
        return deadlinePassed ? new Redrive(row, operation) : null;
    }

    private static HashSet<Guid> ParsedIds(IEnumerable<string> ids)
    {
        var parsed = new HashSet<Guid>();
        foreach (var id in ids)
        {
            if (Guid.TryParse(id, out var value))
            {
                parsed.Add(value);
            }
        }
        return parsed;
    }
}
