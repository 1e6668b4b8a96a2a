namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// What a host saw happen to one of its sandboxes: <paramref name="EventType"/> is the transition table's
/// row it becomes (an auto-pause or an exit), <paramref name="Sequence"/> the host's report number.
/// </summary>
public sealed record HostReport(
    Guid HostId, Guid EventId, Guid SandboxId, string EventType, string? Reason, DateTimeOffset At, long Sequence);
