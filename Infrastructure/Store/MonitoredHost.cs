using Lifecycle.Contract.Hosts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A host in service as the HostMonitor sees it at the start of a pass: where to call it, its status,
/// and whether it has been silent for longer than the heartbeat timeout.
/// </summary>
public sealed record MonitoredHost(Guid Id, string Name, string GrpcAddress, HostStatus Status, bool Silent)
{
    public HostTarget Target => new(Id, Name, GrpcAddress);
}
