using Lifecycle.Contract.Capacity;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.ControlPlane.Capacity;

/// <summary>
/// The overcommit ratios, and the check a resume passes inside the transaction of its write
/// (<c>Operations.RequestWrites</c>): take the host's lock, count, and write only if the demand fits the host's
/// allocatable times the ratio, so no number of replicas and concurrent requests can take a host past it. A create
/// does the same in its insert (<c>SandboxStore.CreateOnHostAsync</c>).
/// A host that has reported no capacity is not limited (it is placed by count alone).
/// </summary>
public sealed class HostCapacity(NpgsqlDataSource dataSource, IOptions<CapacityOptions> options)
{
    public OvercommitRatios Ratios => options.Value.Ratios;

    /// <summary>
    /// The host's shortfall for <paramref name="demand"/> now, counted without the lock: why a create the host's lock
    /// refused was refused (null when it has room after all, or no capacity, or is gone), and what placement learns.
    /// </summary>
    public async Task<CapacityShortfall?> ShortfallNowAsync(HostDemand demand, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        return Shortfall(demand, await CapacityStore.ReadAsync(demand.HostId, connection, null, ct));
    }

    /// <summary>
    /// Takes the host's lock in <paramref name="transaction"/> and counts: the shortfall when the demand does not fit,
    /// else null, and the lock is held until the transaction ends, so the write that follows is counted by the next.
    /// </summary>
    public async Task<CapacityShortfall?> LockAndCheckAsync(HostDemand demand, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await CapacityStore.LockAsync(demand.HostId, connection, transaction, ct);
        return Shortfall(demand, await CapacityStore.ReadAsync(demand.HostId, connection, transaction, ct));
    }

    /// <summary>What <paramref name="demand"/> lacks on its host as read, or null when it fits or the host reported no capacity.</summary>
    private CapacityShortfall? Shortfall(HostDemand demand, (Resources? Allocatable, Resources Allocated) host) =>
        host.Allocatable is { } lendable && CapacityRules.Shortfall(lendable, host.Allocated, demand.Demand, Ratios) is { } resource
            ? new CapacityShortfall(demand.HostId, resource, lendable, host.Allocated)
            : null;
}
