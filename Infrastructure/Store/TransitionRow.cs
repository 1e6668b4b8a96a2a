using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Infrastructure.Store;

/// <summary>A row of <c>sandbox_transitions</c>: one applied status change.</summary>
public sealed record TransitionRow(
    Guid EventId,
    Guid SandboxId,
    string Type,
    SandboxStatus? FromStatus,
    SandboxStatus ToStatus,
    long Version,
    string Actor,
    string? Reason,
    string? Error,
    DateTime At,
    DateTime AppliedAt,
    string? StopReason = null);
