using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.Admin;

/// <summary>One host as <c>GET /admin/hosts</c> shows it (snake_case on the wire).</summary>
/// <param name="HostId">The id the control plane gave it; null while unregistered.</param>
/// <param name="Sandboxes">How many VMs it holds now, running or paused.</param>
/// <param name="MemoryMb">The memory its VMs may use, as the host itself counts it (it refuses what does not fit).</param>
/// <param name="RunningVcpus">What its running VMs take, as the host itself sees it.</param>
internal sealed record HostView(
    string Name,
    int Port,
    Guid? HostId,
    bool Frozen,
    int LatencyMs,
    double FailureRate,
    int Sandboxes,
    long MemoryMb,
    long RunningVcpus,
    long RunningMemoryMb)
{
    public static HostView Of(SimulatedHost host)
    {
        var (vcpus, memory) = host.Sandboxes.Running();
        return new(host.Name, host.Port, host.HostId, host.IsFrozen, host.LatencyMs, host.FailureRate, host.Sandboxes.Count, host.MemoryMb, vcpus, memory);
    }
}
