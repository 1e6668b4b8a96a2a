using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Contract.Quotas;

/// <summary>
/// What counts against a team's quotas, and when a request is refused. A sandbox is <b>active</b> while it may hold a
/// running VM (starting, running, pausing, resuming); <b>paused</b> while paused. A missing sandbox counts as what it
/// was lost in (<c>lost_from</c>), since its host may still run it. Only a team's own create, resume (or connect) and
/// pause are checked: a pause the team did not ask for (its time to live, its host's idle detection, a drain) is never
/// refused, since refusing it would stop nothing and destroying instead would lose work.
/// </summary>
public static class QuotaRules
{
    public static readonly IReadOnlyList<SandboxStatus> Active = [SandboxStatus.Starting, SandboxStatus.Running, SandboxStatus.Pausing, SandboxStatus.Resuming];

    public static readonly IReadOnlyList<SandboxStatus> Paused = [SandboxStatus.Paused];

    /// <summary>Counted with the paused when a pause is checked: they will be paused.</summary>
    public static readonly IReadOnlyList<SandboxStatus> BecomingPaused = [SandboxStatus.Pausing];

    /// <summary>The first quota <paramref name="demand"/> would take past its limit, or null when it fits every one.</summary>
    public static QuotaBreach? Breach(QuotaLimits limits, QuotaUsage usage, QuotaDemand demand)
    {
        foreach (var name in Enum.GetValues<QuotaName>())
        {
            if (demand.Of(name) > 0 && limits.Of(name) is { } limit && usage.Of(name) + demand.Of(name) > limit)
            {
                return new QuotaBreach(name, limit, usage.Of(name));
            }
        }
        return null;
    }
}
