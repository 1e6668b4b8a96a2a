namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>What a host tells the control plane happened to one of its sandboxes, numbered by the host.</summary>
public sealed record HostReport(Guid EventId, string SandboxId, string Type, string Reason, DateTimeOffset At, long Sequence)
{
    public const string AutoPaused = "auto_paused";
    public const string Exited = "exited";
}
