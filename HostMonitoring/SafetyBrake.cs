namespace Lifecycle.HostMonitoring;

/// <summary>
/// One bad ListSandboxes answer (an empty list from a host that restarted its agent but not its
/// VMs, say) must not wipe a host. When a pass would end more than a share of one host's sandboxes,
/// those changes wait: the next pass applies the ones it proposes again. The refusals live in
/// Postgres, so the next pass confirms them whichever replica runs it.
/// </summary>
public sealed class SafetyBrake(BrakeRefusalStore refusals, double share, int minSandboxes)
{
    /// <summary>The decisions to carry out now, and how many destructive ones wait for confirmation.</summary>
    /// <param name="population">How many sandboxes the host has, by the database's count or the host's, whichever is larger.</param>
    public async Task<(List<Decision> Allowed, int Withheld)> CheckAsync(Guid hostId, IReadOnlyList<Decision> decisions, int population, CancellationToken ct)
    {
        var destructive = decisions.Where(d => d.Destructive).ToList();
        if (population < minSandboxes || destructive.Count <= share * population)
        {
            await refusals.ForgetAsync(hostId, ct);
            return ([.. decisions], 0);
        }
        var keys = destructive.Select(d => d.Key).Order(StringComparer.Ordinal).ToList();
        var confirmed = await refusals.ReplaceAsync(hostId, keys, ct);
        var allowed = decisions.Where(d => !d.Destructive || confirmed.Contains(d.Key)).ToList();
        return (allowed, decisions.Count - allowed.Count);
    }
}
