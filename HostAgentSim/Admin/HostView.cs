using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.Admin;

/// <summary>One host as <c>GET /admin/hosts</c> shows it (snake_case on the wire).</summary>
/// <param name="HostId">The id the control plane gave it; null while unregistered.</param>
/// <param name="Sandboxes">How many VMs it holds now, running or paused.</param>
internal sealed record HostView(
    string Name,
    int Port,
    Guid? HostId,
    bool Frozen,
    int LatencyMs,
    double FailureRate,
    int Sandboxes)
{
    public static HostView Of(SimulatedHost host) =>
        new(host.Name, host.Port, host.HostId, host.IsFrozen, host.LatencyMs, host.FailureRate, host.Sandboxes.Count);
}
