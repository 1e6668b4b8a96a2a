namespace Lifecycle.Reconciler;

/// <summary>
/// One bad ListSandboxes answer (an empty list from a host that restarted its agent but not its
/// VMs, say) must not wipe a host. When a pass would end more than a share of one host's sandboxes,
/// those changes wait: the next pass applies the ones it proposes again. Memory is per leader; a new
/// leader starts by refusing, which only costs one more pass.
/// </summary>
public sealed class SafetyBrake(double share, int minSandboxes)
{
    private readonly Dictionary<Guid, HashSet<string>> _refused = [];
    private readonly Lock _lock = new();

    /// <summary>The decisions to carry out now, and how many destructive ones wait for confirmation.</summary>
    /// <param name="population">How many sandboxes the host has, by the database's count or the host's, whichever is larger.</param>
    public (List<Decision> Allowed, int Withheld) Check(Guid hostId, IReadOnlyList<Decision> decisions, int population)
    {
        var destructive = decisions.Where(d => d.Destructive).ToList();
        lock (_lock)
        {
            if (population < minSandboxes || destructive.Count <= share * population)
            {
                _refused.Remove(hostId);
                return ([.. decisions], 0);
            }
            var confirmed = _refused.TryGetValue(hostId, out var previous) ? previous : [];
            _refused[hostId] = [.. destructive.Select(d => d.Key)];
            var allowed = decisions.Where(d => !d.Destructive || confirmed.Contains(d.Key)).ToList();
            return (allowed, decisions.Count - allowed.Count);
        }
    }
}
