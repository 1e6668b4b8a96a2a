using Lifecycle.Contract.Quotas;

namespace Lifecycle.ControlPlane.Quotas;

/// <summary>Bound from <c>Lifecycle:Quotas</c>: every team's limits until an operator sets its own; unset is no limit.</summary>
public sealed class QuotaOptions
{
    public const string Section = "Lifecycle:Quotas";

    public int? MaxActiveSandboxes { get; set; }

    public int? MaxVcpus { get; set; }

    public int? MaxMemoryMb { get; set; }

    public int? MaxPausedSandboxes { get; set; }

    public QuotaLimits Defaults => new(MaxActiveSandboxes, MaxVcpus, MaxMemoryMb, MaxPausedSandboxes);
}
