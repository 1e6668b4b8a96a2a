namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>One sandbox as a simulated host sees it; immutable, replaced on every transition.</summary>
/// <param name="AutoPaused">True when the host paused it for idleness rather than on request.</param>
/// <param name="LastActiveAt">Last create or resume; idle time counts from here.</param>
public sealed record SimulatedSandbox(
    SandboxSpec Spec,
    SimulatedSandboxState State,
    bool AutoPaused,
    DateTimeOffset StartedAt,
    DateTimeOffset LastActiveAt)
{
    public string Id => Spec.Id;
}
