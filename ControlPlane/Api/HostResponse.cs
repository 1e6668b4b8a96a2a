using System.ComponentModel;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// A host as the admin API shows it; <c>token</c>, <c>certificate</c>, <c>ca_certificate</c> and
/// <c>certificate_expires_at</c> only in the answer to its registration. <c>status</c> is one of the
/// contract's host states; <c>silent</c> is true when the host has not heartbeated for longer than the
/// heartbeat timeout (see <see cref="HostResponses.IsSilent"/>).
/// </summary>
public sealed record HostResponse(
    Guid Id,
    string Name,
    string GrpcAddress,
    [property: OneOf(typeof(HostStatuses), nameof(HostStatuses.WireNames))] string Status,
    DateTime? LastHeartbeatAt,
    bool Silent,
    DateTime CreatedAt,
    DateTime? DecommissionedAt,
    IReadOnlyDictionary<string, long> Sandboxes,
    [property: Description("What its sandboxes hold of its capacity: the sizes of those that may still have a VM on it (not paused, not stopped).")]
    AllocatedBody Allocated,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Token = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Certificate = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CaCertificate = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? CertificateExpiresAt = null)
{
    /// <summary>What the host lets its sandboxes use, as it last reported it; absent until it reports one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostCapacityBody? Capacity { get; init; }

    /// <summary>The drain of a draining or drained host (see <see cref="HostDrainResponse"/>); absent otherwise.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public HostDrainResponse? Drain { get; init; }

    public static HostResponse From(HostRow row, bool silent, string? token = null, HostCertificates.Grant? grant = null) => new(
        row.Id, row.Name, row.GrpcAddress, row.Status.ToWire(), row.LastHeartbeatAt, silent, row.CreatedAt, row.DecommissionedAt,
        row.SandboxCounts(), row.Allocated().ToBody(), token,
        grant?.Certificate, grant?.CaCertificate, grant?.ExpiresAt)
    {
        Capacity = HostCapacityBody.From(row.AllocatableVcpus, row.AllocatableMemoryMb),
    };
}

public sealed record HostList(IReadOnlyList<HostResponse> Hosts);
