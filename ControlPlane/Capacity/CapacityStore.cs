using Dapper;
using Lifecycle.Contract.Capacity;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.ControlPlane.Capacity;

/// <summary>Counts what a host's sandboxes hold (<see cref="CapacityRules.Holding"/>) beside what it can lend, under the host's lock.</summary>
public static class CapacityStore
{
    /// <summary>Holds the host's capacity lock (<see cref="HostCapacityLock"/>) until <paramref name="transaction"/> ends.</summary>
    public static Task LockAsync(Guid hostId, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(HostCapacityLock.Sql, new { HostId = hostId }, transaction, cancellationToken: ct));

    /// <summary>
    /// What the host can lend (null when it has reported nothing) and what is allocated: what its sandboxes hold, and
    /// what its VMs take that none of them accounts for (<c>hosts.unaccounted_*</c>, as its last pass saw). Read after
    /// <see cref="LockAsync"/> in the same transaction, its statement sees every earlier holder's commit. It reads only
    /// the host's ledger (<see cref="HostAllocations"/>), not its sandboxes.
    /// </summary>
    public static async Task<(Resources? Allocatable, Resources Allocated)> ReadAsync(
        Guid hostId, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        const string sql = $"""
            SELECT h.allocatable_vcpus, h.allocatable_memory_mb,
                   h.unaccounted_vcpus + held.vcpus AS allocated_vcpus,
                   h.unaccounted_memory_mb + held.memory_mb AS allocated_memory_mb
              FROM hosts h {HostAllocations.HeldByHost}
             WHERE h.id = @HostId
            """;
        var row = await connection.QuerySingleOrDefaultAsync<(int? AllocatableVcpus, int? AllocatableMemoryMb, long AllocatedVcpus, long AllocatedMemoryMb)>(
            new CommandDefinition(sql, new { HostId = hostId }, transaction, cancellationToken: ct));
        var allocatable = row.AllocatableVcpus is { } vcpus && row.AllocatableMemoryMb is { } memory ? new Resources(vcpus, memory) : (Resources?)null;
        return (allocatable, new Resources(row.AllocatedVcpus, row.AllocatedMemoryMb));
    }
}
