using System.Collections.Frozen;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Contract.Sandboxes;

/// <summary>
/// The one transition table (docs/contract.md, "Sandbox transitions"). Every status change in
/// the system is one of these rows, applied as a compare-and-set on status and version.
/// </summary>
public static class TransitionTable
{
    public static readonly IReadOnlyList<Transition> Rows =
    [
        Row(EventTypes.CreateRequested, [], [Starting], Emitter.Api),
        Row(EventTypes.CreateSucceeded, [Starting], [Running], Emitter.BackgroundOperation),
        Row(EventTypes.CreateFailed, [Starting], [Error], Emitter.BackgroundOperation),
        // The host had no room (RESOURCE_EXHAUSTED): nothing was made there, so nothing is left to hold or destroy.
        Row(EventTypes.CreateRefused, [Starting], [Stopped], Emitter.BackgroundOperation),
        Row(EventTypes.PauseRequested, [Running], [Pausing], Emitter.Api),
        Row(EventTypes.PauseSucceeded, [Pausing], [Paused], Emitter.BackgroundOperation),
        Row(EventTypes.PauseFailed, [Pausing], [Running], Emitter.BackgroundOperation),
        Row(EventTypes.ResumeRequested, [Paused], [Resuming], Emitter.Api),
        Row(EventTypes.ResumeSucceeded, [Resuming], [Running], Emitter.BackgroundOperation),
        // The snapshot is kept, so a failed resume leaves the sandbox paused (with last_error set).
        Row(EventTypes.ResumeFailed, [Resuming], [Paused], Emitter.BackgroundOperation),
        // Destroy is accepted from every non-terminal state, error and missing included, so
        // nothing can get stuck where it cannot be destroyed. Stopping is excluded: a destroy
        // is already under way there.
        Row(EventTypes.DestroyRequested, [Starting, Running, Pausing, Paused, Resuming, Error, Missing], [Stopping], Emitter.Api),
        Row(EventTypes.DestroySucceeded, [Stopping], [Stopped], Emitter.BackgroundOperation),
        Row(EventTypes.DestroyFailed, [Stopping], [Error], Emitter.BackgroundOperation),
        Row(EventTypes.AutoPaused, [Running, Pausing], [Paused], Emitter.HostOrHostMonitor),
        // A paused sandbox can exit too: its host lost or dropped the snapshot, and no resume can bring it back.
        Row(EventTypes.Exited, [Running, Pausing, Resuming, Paused], [Stopped], Emitter.HostOrHostMonitor),
        Row(EventTypes.Lost, [Running, Paused, Starting, Pausing, Resuming, Stopping], [Missing], Emitter.HostMonitor),
        // Found alive: what the host shows, unless an operation was under way when the sandbox was lost.
        // Then it returns to that operation's transient state and the operation is re-driven, so an
        // accepted request (a destroy above all) is never undone by a host that blinked.
        Row(EventTypes.Found, [Missing], [Running, Paused, Starting, Pausing, Resuming, Stopping], Emitter.HostMonitor),
        // Neither VM nor snapshot on the host: a missing sandbox that did not come back, or a paused one
        // whose snapshot is gone (every resume would fail).
        Row(EventTypes.Vanished, [Missing, Paused], [Stopped], Emitter.HostMonitor),
        Row(EventTypes.Settled, [Starting, Pausing, Resuming, Stopping], [Running, Paused, Stopped, Error], Emitter.HostMonitor),
        Row(EventTypes.TimedOut, [Starting, Pausing, Resuming, Stopping], [Error], Emitter.HostMonitor),
    ];

    private static readonly FrozenDictionary<string, Transition> ByType =
        Rows.ToFrozenDictionary(row => row.EventType, StringComparer.Ordinal);

    // After Rows: static fields are initialised in the order they are written.
    private static readonly FrozenDictionary<SandboxStatus, FrozenSet<SandboxStatus>> ReachableUnasked =
        Enum.GetValues<SandboxStatus>().ToFrozenDictionary(status => status, ReachableUnaskedFrom);

    /// <summary>Every event type, one per row: the closed set of a state event's <c>type</c>.</summary>
    public static IEnumerable<string> AllEventTypes => Rows.Select(row => row.EventType);

    public static bool TryGet(string? eventType, out Transition transition) =>
        ByType.TryGetValue(eventType ?? "", out transition!);

    public static Transition Get(string eventType) =>
        TryGet(eventType, out var row) ? row : throw new ArgumentException($"unknown event type '{eventType}'", nameof(eventType));

    /// <summary>True when an event of this type may move a sandbox from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool Allows(string eventType, SandboxStatus? from, SandboxStatus to) =>
        TryGet(eventType, out var row) && row.Allows(from, to);

    /// <summary>
    /// Whether some chain of rows that nobody has to ask for (outcomes of an operation under way, host
    /// reports, the HostMonitor; no API request) leads from <paramref name="from"/> to <paramref name="to"/>:
    /// what a wait for <paramref name="to"/> can still hope for. An errored sandbox never runs again by
    /// itself, so a wait for running ends there; a running one may still pause or exit by itself.
    /// </summary>
    public static bool CanReachUnasked(SandboxStatus from, SandboxStatus to) => ReachableUnasked[from].Contains(to);

    private static FrozenSet<SandboxStatus> ReachableUnaskedFrom(SandboxStatus start)
    {
        // To a fixed point rather than breadth-first, because one row depends on the path: found returns
        // a sandbox to a transient state only when it was lost in that state, so only to one reached before.
        var seen = new HashSet<SandboxStatus>();
        bool grew;
        do
        {
            grew = false;
            foreach (var row in Rows.Where(row => row.EmittedBy != Emitter.Api))
            {
                foreach (var from in row.From.Where(f => f == start || seen.Contains(f)))
                {
                    foreach (var to in row.To.Where(to => row.EventType != EventTypes.Found || !SandboxStatuses.IsTransient(to) || to == start || seen.Contains(to)))
                    {
                        grew |= seen.Add(to);
                    }
                }
            }
        }
        while (grew);
        return seen.ToFrozenSet();
    }

    private static Transition Row(string type, SandboxStatus[] from, SandboxStatus[] to, Emitter emitter) =>
        new(type, from.ToFrozenSet(), to.ToFrozenSet(), emitter);
}
