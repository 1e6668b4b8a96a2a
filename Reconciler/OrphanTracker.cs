namespace Lifecycle.Reconciler;

/// <summary>
/// When each orphan was first seen. One is due for destruction only once it has been an orphan in
/// every pass for <c>grace</c>: a create whose row was written after the pass read the database
/// looks like an orphan for one pass, and must not be destroyed.
/// </summary>
public sealed class OrphanTracker(TimeSpan grace)
{
    private readonly Dictionary<(Guid Host, string Sandbox), DateTime> _firstSeen = [];
    private readonly Lock _lock = new();

    /// <summary>The orphans among <paramref name="orphans"/> that are due; forgets the host's others.</summary>
    public List<Orphan> Due(Guid hostId, IReadOnlyList<Orphan> orphans, DateTime now)
    {
        lock (_lock)
        {
            var current = orphans.Select(o => o.SandboxId).ToHashSet(StringComparer.Ordinal);
            foreach (var key in _firstSeen.Keys.Where(k => k.Host == hostId && !current.Contains(k.Sandbox)).ToList())
            {
                _firstSeen.Remove(key);
            }
            var due = new List<Orphan>();
            foreach (var orphan in orphans)
            {
                var key = (hostId, orphan.SandboxId);
                if (!_firstSeen.TryGetValue(key, out var first))
                {
                    _firstSeen[key] = now;
                }
                else if (now - first >= grace)
                {
                    due.Add(orphan);
                }
            }
            return due;
        }
    }

    /// <summary>Forgets one that was destroyed.</summary>
    public void Forget(Guid hostId, string sandboxId)
    {
        lock (_lock)
        {
            _firstSeen.Remove((hostId, sandboxId));
        }
    }
}
