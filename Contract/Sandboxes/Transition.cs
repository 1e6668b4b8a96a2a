using System.Collections.Frozen;

namespace Lifecycle.Contract.Sandboxes;

/// <summary>
/// One row of the transition table: an event of <paramref name="EventType"/> may move a sandbox
/// from any status in <paramref name="From"/> (empty: it creates the row) to any in <paramref name="To"/>.
/// </summary>
public sealed record Transition(
    string EventType,
    FrozenSet<SandboxStatus> From,
    FrozenSet<SandboxStatus> To,
    Emitter EmittedBy)
{
    public bool CreatesRow => From.Count == 0;

    public bool Allows(SandboxStatus? from, SandboxStatus to) =>
        To.Contains(to) && (from is { } f ? From.Contains(f) : CreatesRow);
}
