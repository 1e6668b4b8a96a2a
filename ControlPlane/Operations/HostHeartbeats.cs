using Lifecycle.Contract.Capacity;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// A host's heartbeat. The first one makes a registered host online (and used at once); one from a host
/// that was silent (unreachable, or silent while cordoned, draining or drained, its sandboxes then
/// missing) gets it a pass of its own at once, so its sandboxes are found.
/// </summary>
public sealed class HostHeartbeats(HostStore hosts, HostPlacement placement, ReconcileRequests reconcile, IOptions<HostMonitorOptions> monitor)
{
    /// <summary>False when the host is decommissioned: nothing is recorded.</summary>
    /// <param name="capacity">What the host now lets its sandboxes use, when it says.</param>
    public async Task<bool> BeatAsync(Guid hostId, Resources? capacity, CancellationToken ct)
    {
        var beat = await hosts.HeartbeatAsync(hostId, monitor.Value.HeartbeatTimeout, capacity, ct);
        if (beat is null)
        {
            return false;
        }
        if (beat.Moved)
        {
            placement.Invalidate();
        }
        if (beat.WasSilent)
        {
            reconcile.Hint(hostId);
        }
        return true;
    }
}
