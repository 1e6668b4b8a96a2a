namespace Lifecycle.Infrastructure.Ownership;

/// <summary>
/// Work done for each slot of one kind this replica owns: <see cref="RunAsync"/> starts when the lease
/// is taken and must return soon after <c>owned</c> is cancelled (the slot lost or handed over); the
/// lease is given up only once it has returned.
/// </summary>
public interface ISlotWork
{
    LeaseKind Kind { get; }

    /// <summary>How many slots the kind has in this deployment.</summary>
    int SlotCount { get; }

    Task RunAsync(int slot, CancellationToken owned);
}
