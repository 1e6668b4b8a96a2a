using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Client;

/// <summary>One applied transition of a sandbox's history (a row of the transition table), oldest first.</summary>
public sealed record SandboxEvent(
    Guid EventId,
    string Type,
    SandboxStatus? From,
    SandboxStatus To,
    long Version,
    string Actor,
    string? Reason,
    string? Error,
    DateTimeOffset At,
    DateTimeOffset AppliedAt,
    StopReason? StopReason);

/// <summary>One page of a sandbox's history; <see cref="NextCursor"/> asks for the next, null on the last.</summary>
public sealed record SandboxEventPage(IReadOnlyList<SandboxEvent> Events, string? NextCursor);
