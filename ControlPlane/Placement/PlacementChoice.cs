using Lifecycle.Contract.Capacity;

namespace Lifecycle.ControlPlane.Placement;

/// <summary>Where <see cref="HostPlacement.ChooseAsync"/> would put a new sandbox, or why nowhere.</summary>
public abstract record PlacementChoice
{
    /// <summary>This host, which has room as far as this replica knows; the write checks it under the host's lock.</summary>
    public sealed record OnHost(Guid HostId) : PlacementChoice;

    /// <summary>
    /// Bigger than any host that is not decommissioned can lend at all (<see cref="CapacityRules.TooBig"/>): it never
    /// fits, so it is refused, not retried. <paramref name="Largest"/> is the most of <paramref name="Resource"/> a host has.
    /// </summary>
    public sealed record TooBig(CapacityResource Resource, long Largest) : PlacementChoice;

    /// <summary>Online hosts exist, but none has room now; <paramref name="Resource"/> is what most of them are short of.</summary>
    public sealed record Full(CapacityResource Resource) : PlacementChoice;

    /// <summary>No host is online.</summary>
    public sealed record NoHost : PlacementChoice;
}
