using Lifecycle.Contract.Hosts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>What a heartbeat did to its host.</summary>
/// <param name="Before">The status the host had.</param>
/// <param name="After">The status it has now: online after a first heartbeat or a return from unreachable, else <paramref name="Before"/>.</param>
/// <param name="WasSilent">
/// Its previous heartbeat was older than the heartbeat timeout: the HostMonitor may have made its
/// sandboxes missing (an unreachable host's always are; a cordoned, draining or drained host keeps its
/// status while silent, and its sandboxes go missing all the same).
/// </param>
public sealed record HeartbeatOutcome(HostStatus Before, HostStatus After, bool WasSilent)
{
    /// <summary>The heartbeat moved the host (to online): placement must count it afresh.</summary>
    public bool Moved => Before != After;
}
