using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A row of <c>hosts</c>, with its non-stopped sandboxes counted by status (a JSON object), and the mode and
/// deadline of its drain when it has one, when and by which replica it was last reconciled, and the capacity it last
/// reported (null until it reports one).
/// </summary>
public sealed record HostRow(
    Guid Id,
    string Name,
    string GrpcAddress,
    HostStatus Status,
    DateTime? LastHeartbeatAt,
    DateTime CreatedAt,
    DateTime? DecommissionedAt,
    string SandboxCounts,
    string? DrainMode = null,
    DateTime? DrainDeadline = null,
    DateTime? ReconciledAt = null,
    string? ReconciledBy = null,
    int? AllocatableVcpus = null,
    int? AllocatableMemoryMb = null)
{
    /// <summary>The select list that matches this record's constructor, for a host <c>h</c>.</summary>
    internal const string Columns = $$"""
        h.id, h.name, h.grpc_address, h.status, h.last_heartbeat_at, h.created_at, h.decommissioned_at,
        COALESCE((SELECT jsonb_object_agg(c.status, c.n)
                    FROM (SELECT s.status, count(*) AS n FROM sandboxes s
                           WHERE s.host_id = h.id AND s.status <> '{{SandboxStatusNames.Stopped}}' GROUP BY s.status) c), '{}')::text AS sandbox_counts,
        h.drain_mode, h.drain_deadline, h.reconciled_at, h.reconciled_by, h.allocatable_vcpus, h.allocatable_memory_mb
        """;
}
