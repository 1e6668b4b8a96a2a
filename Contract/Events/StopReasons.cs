using System.Collections.Frozen;
using Lifecycle.Contract.Sandboxes;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Contract.Events;

/// <summary>
/// The one table that derives a <see cref="StopReason"/> from the transition that moved a sandbox to <c>paused</c>,
/// <c>stopped</c> or <c>error</c>: its event type, the status it left, the status it reached and its reason code
/// (docs/contract.md, "Stop reasons"; a test keeps the two equal). The first row that matches decides.
/// </summary>
public static class StopReasons
{
    /// <summary>The statuses a stop reason belongs to; every other status has none (null while active).</summary>
    public static readonly FrozenSet<SandboxStatus> Stopped = new[] { Paused, SandboxStatus.Stopped, Error }.ToFrozenSet();

    /// <summary>
    /// One row. A null <see cref="From"/> or <see cref="Reason"/> matches any. <see cref="Yields"/> null means "the
    /// one its request named" (the intent a pause or destroy request left on the row) for a settle, or "the one it
    /// had before it was lost" for a found; <see cref="Otherwise"/> stands in when there is none.
    /// </summary>
    public sealed record Rule(string EventType, SandboxStatus? From, SandboxStatus To, string? Reason, StopReason? Yields, StopReason Otherwise);

    public static readonly IReadOnlyList<Rule> Rules =
    [
        Concrete(EventTypes.CreateFailed, null, Error, null, StopReason.CreateFailed),
        Concrete(EventTypes.CreateRefused, null, SandboxStatus.Stopped, null, StopReason.NoCapacity),
        Concrete(EventTypes.DestroyFailed, null, Error, null, StopReason.DestroyFailed),
        Concrete(EventTypes.ResumeFailed, null, Paused, null, StopReason.ResumeFailed),
        Concrete(EventTypes.PauseSucceeded, null, Paused, Reasons.Timeout, StopReason.Timeout),
        Concrete(EventTypes.PauseSucceeded, null, Paused, Reasons.Drained, StopReason.Drained),
        Concrete(EventTypes.PauseSucceeded, null, Paused, null, StopReason.Requested),
        Concrete(EventTypes.DestroySucceeded, null, SandboxStatus.Stopped, Reasons.Timeout, StopReason.Timeout),
        Concrete(EventTypes.DestroySucceeded, null, SandboxStatus.Stopped, Reasons.MaxLifetime, StopReason.MaxLifetime),
        Concrete(EventTypes.DestroySucceeded, null, SandboxStatus.Stopped, Reasons.Drained, StopReason.Drained),
        Concrete(EventTypes.DestroySucceeded, null, SandboxStatus.Stopped, null, StopReason.Requested),
        Concrete(EventTypes.AutoPaused, null, Paused, Reasons.Timeout, StopReason.Timeout),
        Concrete(EventTypes.AutoPaused, null, Paused, null, StopReason.Idle),
        Concrete(EventTypes.Exited, null, SandboxStatus.Stopped, Reasons.Timeout, StopReason.Timeout),
        Concrete(EventTypes.Exited, null, SandboxStatus.Stopped, Reasons.MaxLifetime, StopReason.MaxLifetime),
        Concrete(EventTypes.Exited, null, SandboxStatus.Stopped, null, StopReason.HostExited),
        Concrete(EventTypes.Vanished, null, SandboxStatus.Stopped, Reasons.HostDecommissioned, StopReason.Decommissioned),
        Concrete(EventTypes.Vanished, null, SandboxStatus.Stopped, null, StopReason.Vanished),
        // Settled: what the host shows of an operation under way. A pause or destroy that happened yields what its
        // request named; a boot the host already paused, its idle detection; anything gone, vanished.
        OfRequest(EventTypes.Settled, Pausing, Paused, StopReason.Requested),
        OfRequest(EventTypes.Settled, Stopping, SandboxStatus.Stopped, StopReason.Requested),
        Concrete(EventTypes.Settled, Resuming, Paused, null, StopReason.ResumeFailed),
        Concrete(EventTypes.Settled, null, Paused, null, StopReason.Idle),
        Concrete(EventTypes.Settled, Starting, SandboxStatus.Stopped, Reasons.NoCapacity, StopReason.NoCapacity),
        Concrete(EventTypes.Settled, null, SandboxStatus.Stopped, null, StopReason.Vanished),
        Concrete(EventTypes.Settled, null, Error, null, StopReason.TimedOut),
        Concrete(EventTypes.TimedOut, null, Error, null, StopReason.TimedOut),
        // Found paused: the reason it was paused for before its host went silent, else the host's own idle pause.
        OfRequest(EventTypes.Found, Missing, Paused, StopReason.Idle),
    ];

    private static readonly FrozenDictionary<StopReason, string> Names = Enum.GetValues<StopReason>()
        .ToFrozenDictionary(reason => reason, reason => string.Concat(reason.ToString().Select((c, i) =>
            char.IsUpper(c) && i > 0 ? "_" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString())));

    private static readonly FrozenDictionary<string, StopReason> ByName =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public static string ToWire(this StopReason reason) => Names[reason];

    public static string? ToWire(this StopReason? reason) => reason?.ToWire();

    public static bool TryParse(string? name, out StopReason reason) => ByName.TryGetValue(name ?? "", out reason);

    public static IEnumerable<string> WireNames => Names.Values;

    /// <summary>
    /// The rule that decides the stop reason of <paramref name="stateEvent"/>, or null when it leads to a status that
    /// has none. Every transition of the table into <see cref="Stopped"/> has one (a unit test walks them all).
    /// </summary>
    public static Rule? RuleFor(StateEvent stateEvent) => RuleFor(stateEvent.Type, stateEvent.From, stateEvent.To, stateEvent.Reason);

    public static Rule? RuleFor(string eventType, SandboxStatus? from, SandboxStatus to, string? reason) =>
        !Stopped.Contains(to) ? null : Rules.FirstOrDefault(rule => rule.EventType == eventType && rule.To == to
            && (rule.From is null || rule.From == from) && (rule.Reason is null || rule.Reason == reason));

    /// <summary>
    /// What a pause or destroy request will lead to once it is carried out (its intent, kept on the row while the
    /// operation runs so a settle after a crash still knows it); null for a create or a resume, which stop nothing.
    /// </summary>
    public static StopReason? IntentOf(SandboxOperation operation, string? reason)
    {
        if (operation != SandboxOperation.Pause && operation != SandboxOperation.Destroy)
        {
            return null;
        }
        var succeeded = operation.Succeeded;
        return RuleFor(succeeded.EventType, operation.InProgress, succeeded.To.Single(), reason)?.Yields;
    }

    private static Rule Concrete(string type, SandboxStatus? from, SandboxStatus to, string? reason, StopReason yields) =>
        new(type, from, to, reason, yields, yields);

    private static Rule OfRequest(string type, SandboxStatus from, SandboxStatus to, StopReason otherwise) =>
        new(type, from, to, null, null, otherwise);
}
