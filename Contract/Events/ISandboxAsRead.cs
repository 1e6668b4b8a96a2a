using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Contract.Events;

/// <summary>
/// A sandbox as it was read, as much as an event about it needs: who it is, where it runs, and the status
/// and row version the event applies to (the compare-and-set's fence).
/// </summary>
public interface ISandboxAsRead
{
    Guid Id { get; }
    Guid TeamId { get; }
    Guid? HostId { get; }
    SandboxStatus Status { get; }
    long Version { get; }
}
