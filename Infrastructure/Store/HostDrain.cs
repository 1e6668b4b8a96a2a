using Lifecycle.Contract.Hosts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A host's drain as its row keeps it: the mode, when it started, its deadline, and whether the deadline has
/// passed by the database's clock (so every replica reads the same answer).
/// </summary>
public sealed record HostDrain(
    Guid Id, string Name, HostStatus Status, string DrainMode, DateTime DrainStartedAt, DateTime DrainDeadline, bool PastDeadline)
{
    public DrainMode Mode => DrainModes.Parse(DrainMode);
}
