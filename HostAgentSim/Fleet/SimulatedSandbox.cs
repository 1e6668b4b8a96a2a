namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>One sandbox as a simulated host sees it; immutable, replaced on every transition.</summary>
/// <param name="AutoPaused">True when the host paused it by itself (idle, or its deadline) rather than on request.</param>
/// <param name="ExpiresAt">Its deadline while it runs (null: none): set at create, on resume and by SetSandboxTimeout.</param>
/// <param name="DeadlineSetAtMs">When the control plane set the deadline last (SetSandboxTimeout), to order crossing calls.</param>
public sealed record SimulatedSandbox(
    SandboxSpec Spec,
    SimulatedSandboxState State,
    bool AutoPaused,
    DateTimeOffset StartedAt,
    DateTimeOffset? ExpiresAt,
    long DeadlineSetAtMs = 0)
{
    public string Id => Spec.Id;
}
