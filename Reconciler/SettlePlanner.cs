using Lifecycle.Core.Sandboxes;
using Lifecycle.Core.Store;
using Lifecycle.Core.Transitions;
using Lifecycle.HostAgent.V1;
using static Lifecycle.Core.Sandboxes.SandboxStatus;

namespace Lifecycle.Reconciler;

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
        var autoPaused = new HashSet<Guid>();
        foreach (var id in reply.AutoPausedIds)
        {
            if (Guid.TryParse(id, out var parsed))
            {
                autoPaused.Add(parsed);
            }
        }
        foreach (var row in rows)
        {
            // Taken out as it is matched: what the host still lists at the end is unknown here.
            onHost.Remove(row.Id, out var alive);
            var shown = alive is null ? null : Shown(alive);
            if (alive is not null && shown is null)
            {
                continue; // a state this control plane does not know: decide nothing on it
            }
            if (Decide(row, shown, autoPaused.Contains(row.Id), now, transientGrace) is { } decision)
            {
                decisions.Add(decision);
            }
        }
        decisions.AddRange(onHost.Values.Select(info => new Orphan(info.SandboxId)));
        return decisions;
    }

    /// <param name="shown">The state the host shows (running or paused), or null when the host does not list it.</param>
    private static Decision? Decide(HostedSandbox row, SandboxStatus? shown, bool autoPausedByHost, DateTime now, TimeSpan transientGrace)
    {
        var status = row.Status;
        switch (status)
        {
            case Missing:
                return shown is { } back
                    ? new Transit(row, EventTypes.Found, back, Reasons.AliveOnHost)
                    : new Transit(row, EventTypes.Vanished, Stopped, Reasons.AbsentOnHost);
            case Running when shown == Paused || (shown is null && autoPausedByHost):
                return new Transit(row, EventTypes.AutoPaused, Paused, Reasons.AutoPausedByHost);
            case Running when shown is null:
                return new Transit(row, EventTypes.Exited, Stopped, Reasons.AbsentOnHost);
            case Starting or Pausing or Resuming or Stopping:
                return now - row.UpdatedAt < transientGrace ? null : DecideTransient(row, SandboxOperation.UnderWayIn(status)!, shown, now);
            default:
                // Running or paused as the host shows, error, or paused but not listed (its snapshot
                // may live off the host): nothing to settle.
                return null;
        }
    }

    private static Decision? DecideTransient(HostedSandbox row, SandboxOperation operation, SandboxStatus? shown, DateTime now)
    {
        var deadlinePassed = row.OperationDeadline is not { } deadline || deadline <= now;
        if (operation == SandboxOperation.Destroy)
        {
            return shown is null
                ? new Transit(row, EventTypes.Settled, Stopped, Reasons.AbsentOnHost)
                : deadlinePassed ? new Redrive(row, operation) : null;
        }
        if (operation == SandboxOperation.Create)
        {
            // Not on the host yet is the old state of a create: the RPC may never have been sent.
            return shown is { } booted
                ? new Transit(row, EventTypes.Settled, booted, Reasons.HostShowsOutcome)
                : deadlinePassed ? new Redrive(row, operation) : null;
        }
        if (shown == operation.OnSuccess)
        {
            return new Transit(row, EventTypes.Settled, operation.OnSuccess, Reasons.HostShowsOutcome);
        }
        if (shown is null)
        {
            // Gone from the host mid-operation: a pause had its snapshot taken; a resume has nothing to resume.
            return new Transit(row, EventTypes.Settled, operation == SandboxOperation.Pause ? Paused : Error, Reasons.AbsentOnHost);
        }
        return deadlinePassed ? new Redrive(row, operation) : null;
    }

    /// <summary>The host's state as a status: running, paused, or null for a state not known here.</summary>
    public static SandboxStatus? Shown(SandboxInfo info) => info.State switch
    {
        SandboxState.Running => Running,
        SandboxState.Paused => Paused,
        _ => null,
    };
}
