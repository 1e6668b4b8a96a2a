using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>One change of a host's status, as <c>GET /v1/hosts/{id}/history</c> shows it.</summary>
public sealed record HostTransitionResponse(string Type, string? From, string To, string Actor, string? Reason, DateTime At)
{
    public static HostTransitionResponse Of(HostTransitionRow row) => new(row.Type, row.FromStatus?.ToWire(), row.ToStatus.ToWire(), row.Actor, row.Reason, row.At);
}

/// <summary>A host's story: every change of its status, oldest first.</summary>
public sealed record HostHistory(Guid HostId, string Status, IReadOnlyList<HostTransitionResponse> Transitions);
