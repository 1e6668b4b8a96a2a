using Lifecycle.Core.Sandboxes;

namespace Lifecycle.Core.Events;

/// <summary>
/// One status change of one sandbox, as published on the stream and recorded in history.
/// <paramref name="Version"/> is the row version the change applies to (the fence); applying it
/// leaves the row at <c>Version + 1</c>. <paramref name="From"/> is null only for the event that creates the row.
/// </summary>
public sealed record StateEvent(
    Guid EventId,
    string Type,
    Guid SandboxId,
    Guid TeamId,
    Guid? HostId,
    SandboxStatus? From,
    SandboxStatus To,
    long Version,
    string Actor,
    string? Reason,
    string? Error,
    DateTimeOffset At);
