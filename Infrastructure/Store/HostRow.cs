using System.Text.Json;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A row of <c>hosts</c>, with its non-stopped sandboxes tallied by status (a JSON object of
/// <c>[count, vcpus, memory_mb]</c>: <see cref="SandboxCounts"/>, <see cref="Allocated"/>), and the mode and
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
    string SandboxTally,
    string? DrainMode = null,
    DateTime? DrainDeadline = null,
    DateTime? ReconciledAt = null,
    string? ReconciledBy = null,
    int? AllocatableVcpus = null,
    int? AllocatableMemoryMb = null,
    int UnaccountedVcpus = 0,
    int UnaccountedMemoryMb = 0)
{
    /// <summary>The select list that matches this record's constructor, for a host <c>h</c>.</summary>
    internal const string Columns = $$"""
        h.id, h.name, h.grpc_address, h.status, h.last_heartbeat_at, h.created_at, h.decommissioned_at,
        COALESCE((SELECT jsonb_object_agg(c.status, jsonb_build_array(c.n, c.vcpus, c.memory_mb))
                    FROM (SELECT s.status, count(*) AS n, sum(s.vcpus) AS vcpus, sum(s.memory_mb) AS memory_mb FROM sandboxes s
                           WHERE s.host_id = h.id AND s.status <> '{{SandboxStatusNames.Stopped}}' GROUP BY s.status) c), '{}')::text AS sandbox_tally,
        h.drain_mode, h.drain_deadline, h.reconciled_at, h.reconciled_by, h.allocatable_vcpus, h.allocatable_memory_mb,
        h.unaccounted_vcpus, h.unaccounted_memory_mb
        """;

    /// <summary>Its sandboxes that are not stopped, counted by status (wire names).</summary>
    public IReadOnlyDictionary<string, long> SandboxCounts() => Tally().ToDictionary(t => t.Key, t => t.Value[0]);

    /// <summary>
    /// What is allocated of its capacity: the sizes of its sandboxes in <see cref="CapacityRules.Holding"/>, and what its
    /// running VMs take that none of them accounts for, as its last HostMonitor pass saw (<see cref="CapacityRules.Unaccounted"/>).
    /// </summary>
    public Resources Allocated()
    {
        var tally = Tally();
        return CapacityRules.Holding.Select(status => tally.GetValueOrDefault(status.ToWire()))
            .Aggregate(new Resources(UnaccountedVcpus, UnaccountedMemoryMb), (sum, t) => t is null ? sum : sum + new Resources(t[1], t[2]));
    }

    private Dictionary<string, long[]> Tally() => JsonSerializer.Deserialize<Dictionary<string, long[]>>(SandboxTally) ?? [];
}
