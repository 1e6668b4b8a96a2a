using Lifecycle.Contract.Partitioning;

namespace Lifecycle.Infrastructure.Ownership;

/// <summary>
/// Who should own each slot, given the live replicas: capped rendezvous hashing. Each slot ranks the
/// replicas by <c>StableHash("kind/slot/replica")</c> and goes to the highest-ranked one that has fewer
/// than <c>ceil(slots / replicas)</c> slots so far. Every replica computes the same answer from the same
/// list, counts differ by at most one, and a replica joining or leaving moves few slots.
/// </summary>
public static class SlotAssignment
{
    public static IReadOnlyDictionary<int, string> Of(LeaseKind kind, int slots, IReadOnlyCollection<string> replicas)
    {
        var owners = new Dictionary<int, string>(slots);
        if (replicas.Count == 0)
        {
            return owners;
        }
        var cap = (slots + replicas.Count - 1) / replicas.Count;
        var load = replicas.ToDictionary(r => r, _ => 0, StringComparer.Ordinal);
        for (var slot = 0; slot < slots; slot++)
        {
            var owner = replicas
                .OrderByDescending(r => StableHash.Of($"{kind.Name}/{slot}/{r}"))
                .ThenBy(r => r, StringComparer.Ordinal)
                .First(r => load[r] < cap);
            load[owner]++;
            owners[slot] = owner;
        }
        return owners;
    }

    /// <summary>The slots <paramref name="replica"/> should own.</summary>
    public static IReadOnlySet<int> For(LeaseKind kind, int slots, IReadOnlyCollection<string> replicas, string replica) =>
        Of(kind, slots, replicas).Where(p => p.Value == replica).Select(p => p.Key).ToHashSet();
}
