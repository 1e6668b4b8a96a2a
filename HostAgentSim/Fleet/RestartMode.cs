namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>What a simulated host agent's restart leaves behind (<see cref="SimulatedHost.RestartAsync"/>).</summary>
public enum RestartMode
{
    /// <summary>Only the agent process restarted: its VMs kept running and are still there.</summary>
    Keep,

    /// <summary>The machine rebooted: every VM is gone.</summary>
    Empty,
}
