namespace Lifecycle.HostAgentSim.Fleet;

public enum SimulatedSandboxState
{
    Running,
    Paused,
}
