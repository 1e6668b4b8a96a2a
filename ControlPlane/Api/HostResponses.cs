using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>Makes <see cref="HostResponse"/>s: the row, and whether the host is silent by the HostMonitor's heartbeat timeout.</summary>
public sealed class HostResponses(IOptions<HostMonitorOptions> monitor, TimeProvider clock)
{
    public HostResponse Of(HostRow row, string? token = null, HostCertificates.Grant? grant = null) => HostResponse.From(row, IsSilent(row), token, grant);

    /// <summary>
    /// A host that has heartbeated, is not decommissioned, and has not heartbeated for longer than the
    /// heartbeat timeout. An online one becomes unreachable at its HostMonitor's next pass; a cordoned,
    /// draining or drained one keeps its status, and the HostMonitor treats it as unreachable (its
    /// sandboxes become missing) until it heartbeats again. Registered hosts never heartbeated: their status says so.
    /// </summary>
    public bool IsSilent(HostRow row) =>
        row.LastHeartbeatAt is { } at
        && row.Status != HostStatus.Decommissioned
        && clock.GetUtcNow() - at.AsUtc() > monitor.Value.HeartbeatTimeout;
}
