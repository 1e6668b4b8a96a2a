using Lifecycle.Contract.Capacity;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A host that is not decommissioned, as placement weighs it: whether it takes new sandboxes (online), the capacity it
/// last reported (null until it reports one), how many of its sandboxes are in <see cref="CapacityRules.Holding"/> and what
/// they hold (its ledger, <see cref="HostAllocations"/>).
/// </summary>
public sealed record HostLoad(Guid Id, string Name, bool TakesPlacements, Resources? Allocatable, long Holding, Resources Allocated)
{
    /// <summary>The row as <see cref="SandboxStore.HostLoadsAsync"/> reads it.</summary>
    public sealed record Row(
        Guid Id, string Name, bool TakesPlacements, int? AllocatableVcpus, int? AllocatableMemoryMb, long Holding, long AllocatedVcpus, long AllocatedMemoryMb)
    {
        public HostLoad ToLoad() => new(Id, Name, TakesPlacements,
            AllocatableVcpus is { } vcpus && AllocatableMemoryMb is { } memory ? new Resources(vcpus, memory) : null,
            Holding, new Resources(AllocatedVcpus, AllocatedMemoryMb));
    }
}
