using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>One change of a host's status, as <c>GET /v1/hosts/{id}/history</c> shows it.</summary>
public sealed record HostTransitionResponse(
    [property: OneOf(typeof(HostTransitionTable), nameof(HostTransitionTable.AllEventTypes))] string Type,
    [property: OneOf(typeof(HostStatuses), nameof(HostStatuses.WireNames))] string? From,
    [property: OneOf(typeof(HostStatuses), nameof(HostStatuses.WireNames))] string To,
    string Actor,
    string? Reason,
    DateTime At)
{
    public static HostTransitionResponse Of(HostTransitionRow row) => new(row.Type, row.FromStatus?.ToWire(), row.ToStatus.ToWire(), row.Actor, row.Reason, row.At);
}

/// <summary>A host's story: every change of its status, oldest first.</summary>
public sealed record HostHistory(
    Guid HostId,
    [property: OneOf(typeof(HostStatuses), nameof(HostStatuses.WireNames))] string Status,
    IReadOnlyList<HostTransitionResponse> Transitions);
