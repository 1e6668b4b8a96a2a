using Lifecycle.Contract.Capacity;

namespace Lifecycle.ControlPlane.Capacity;

/// <summary>What a request would newly hold on a host: a create's size on the host placement chose, a resume's on its own.</summary>
public sealed record HostDemand(Guid HostId, Resources Demand);

/// <summary>
/// A host without room for a <see cref="HostDemand"/>, as counted under its lock: the <see cref="Resource"/> short, and
/// what it can lend and has lent now (placement learns them, so it stops choosing the host).
/// </summary>
public sealed record CapacityShortfall(Guid HostId, CapacityResource Resource, Resources Allocatable, Resources Allocated);
