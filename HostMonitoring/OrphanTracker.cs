namespace Lifecycle.HostMonitoring;

/// <summary>
/// When each orphan was first seen. One is due for destruction only once it has been an orphan in
/// every pass for <c>grace</c>: a create whose row was written after the pass read the database
/// looks like an orphan for one pass, and must not be destroyed. The sightings live in Postgres, so
/// a host's next owner carries on the grace instead of starting it over (under churn of owners an
/// orphan would otherwise live forever).
/// </summary>
public sealed class OrphanTracker(OrphanSightingStore sightings, TimeSpan grace)
{
    /// <summary>The orphans among <paramref name="orphans"/> that are due; forgets the host's others.</summary>
    public async Task<List<Orphan>> DueAsync(Guid hostId, IReadOnlyList<Orphan> orphans, CancellationToken ct)
    {
        var ids = orphans.Select(o => o.SandboxId).Distinct(StringComparer.Ordinal).ToList();
        var due = (await sightings.SeenForAsync(hostId, ids, grace, ct)).ToHashSet(StringComparer.Ordinal);
        return [.. orphans.Where(o => due.Contains(o.SandboxId))];
    }

    /// <summary>Forgets one that was destroyed.</summary>
    public Task ForgetAsync(Guid hostId, string sandboxId, CancellationToken ct) => sightings.ForgetAsync(hostId, sandboxId, ct);
}
