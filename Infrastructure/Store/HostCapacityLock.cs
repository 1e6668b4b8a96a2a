namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// The advisory lock every write that raises what a host holds takes first, in its transaction: a create placed there
/// (<see cref="SandboxStore.CreateOnHostAsync"/>), a resume of one of its sandboxes. Held until the transaction ends, so
/// the next holder's count sees this one's write: two replicas never both see room for the last sandbox.
/// </summary>
public static class HostCapacityLock
{
    /// <summary>Takes the lock of the host <c>@HostId</c>.</summary>
    public const string Sql = "SELECT pg_advisory_xact_lock(hashtextextended('host-capacity:' || @HostId::text, 0))";
}
