using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>One applied transition of a sandbox, as <c>GET /v1/sandboxes/{id}/events</c> shows it.</summary>
public sealed record SandboxEventResponse(
    Guid EventId,
    [property: OneOf(typeof(TransitionTable), nameof(TransitionTable.AllEventTypes))] string Type,
    [property: OneOf(typeof(SandboxStatuses), nameof(SandboxStatuses.WireNames))] string? From,
    [property: OneOf(typeof(SandboxStatuses), nameof(SandboxStatuses.WireNames))] string To,
    long Version,
    string Actor,
    string? Reason,
    string? Error,
    DateTime At,
    DateTime AppliedAt,
    [property: OneOf(typeof(StopReasons), nameof(StopReasons.WireNames))] string? StopReason)
{
    public static SandboxEventResponse Of(TransitionRow row) =>
        new(row.EventId, row.Type, row.FromStatus.ToWire(), row.ToStatus.ToWire(), row.Version, row.Actor, row.Reason, row.Error, row.At, row.AppliedAt, row.StopReason);
}

/// <summary>One page of a sandbox's history, oldest first; pass <paramref name="NextCursor"/> back as <c>cursor</c> for the next.</summary>
public sealed record SandboxEventPage(IReadOnlyList<SandboxEventResponse> Events, string? NextCursor);
