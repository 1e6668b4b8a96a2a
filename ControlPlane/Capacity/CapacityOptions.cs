using Lifecycle.Contract.Capacity;

namespace Lifecycle.ControlPlane.Capacity;

/// <summary>Bound from <c>Lifecycle:Capacity</c>: how far each host's allocatable resources may be lent (docs/contract.md, "Capacity").</summary>
public sealed class CapacityOptions
{
    public const string Section = "Lifecycle:Capacity";

    /// <summary>vCPUs lent per allocatable vCPU: they are time-shared.</summary>
    public double VcpuOvercommit { get; set; } = OvercommitRatios.DefaultVcpus;

    /// <summary>MiB lent per allocatable MiB: 1.0 never lends a host's memory twice.</summary>
    public double MemoryOvercommit { get; set; } = OvercommitRatios.DefaultMemoryMb;

    /// <summary>
    /// How often a replica folds the hosts' ledgers (<see cref="AllocationLedger"/>): what a capacity check reads is one
    /// row per host plus what changed since the last fold.
    /// </summary>
    public TimeSpan FoldInterval { get; set; } = TimeSpan.FromSeconds(1);

    public OvercommitRatios Ratios => new(VcpuOvercommit, MemoryOvercommit);

    /// <summary>Why these options cannot be used, or null when they can.</summary>
    public string? Invalid() =>
        VcpuOvercommit is not (> 0 and <= 64) ? $"{Section}:VcpuOvercommit must be above 0 and at most 64"
        : MemoryOvercommit is not (> 0 and <= 4) ? $"{Section}:MemoryOvercommit must be above 0 and at most 4"
        : FoldInterval <= TimeSpan.Zero ? $"{Section}:FoldInterval must be above 0"
        : null;
}
