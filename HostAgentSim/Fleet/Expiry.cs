namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>What a host did to a sandbox at its deadline, as it reports it: the report type and its reason.</summary>
public sealed record Expiry(string SandboxId, string ReportType, string Reason)
{
    /// <summary>The reasons a host agent gives the control plane, which derives the stop reason from them.</summary>
    public const string Timeout = "timeout";
    public const string MaxLifetime = "max_lifetime";
    public const string Idle = "idle";
}
