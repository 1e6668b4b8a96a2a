using System.Diagnostics;
using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Tests.Scaling;

/// <summary>Who owns the event partitions and shards of hosts, read from the leases as operators read them.</summary>
public static class LeaseWatch
{
    /// <summary>
    /// Every lease held by a live replica among <paramref name="replicas"/>, and the slots of each kind
    /// spread as the assignment caps them: each replica holds some, and none more than its share rounded up.
    /// </summary>
    public static bool SharedBy(IReadOnlyList<LeaseStore.Lease> leases, IReadOnlyCollection<string> replicas) =>
        OwnedBy(leases, replicas)
        && LeaseKind.All.All(kind =>
        {
            var slots = leases.Count(l => l.Kind == kind.Name);
            var cap = (slots + replicas.Count - 1) / replicas.Count;
            return replicas.All(r => leases.Count(l => l.Kind == kind.Name && l.Owner == r) is > 0 and var held && held <= cap);
        });

    /// <summary>Every lease held by a live replica among <paramref name="replicas"/>.</summary>
    public static bool OwnedBy(IReadOnlyList<LeaseStore.Lease> leases, IReadOnlyCollection<string> replicas) =>
        leases.Count == ReplicaDeployment.Partitions + new Lifecycle.HostMonitoring.HostMonitorOptions().Shards
        && leases.All(l => l.Live && l.Owner is { } owner && replicas.Contains(owner));

    public static async Task WaitUntilSharedAsync(ReplicaDeployment deployment, IReadOnlyCollection<string> replicas, TimeSpan timeout)
    {
        IReadOnlyList<LeaseStore.Lease> leases = [];
        await Eventually.TrueAsync(async () => SharedBy(leases = await deployment.LeasesAsync(), replicas), timeout,
            $"{string.Join(", ", replicas)} share every partition and shard (now: {Describe(leases)})");
    }

    /// <summary>How long since <paramref name="watch"/> started until every lease is held by a live one of <paramref name="replicas"/>.</summary>
    public static async Task<TimeSpan> TimeUntilOwnedByAsync(ReplicaDeployment deployment, IReadOnlyCollection<string> replicas, Stopwatch watch, TimeSpan timeout)
    {
        await Eventually.TrueAsync(async () => OwnedBy(await deployment.LeasesAsync(), replicas), timeout,
            $"{string.Join(", ", replicas)} own every partition and shard");
        return watch.Elapsed;
    }

    /// <summary>"events: replica-1 6, replica-2 5 …; hosts: …", for messages and the test's output.</summary>
    public static string Describe(IReadOnlyList<LeaseStore.Lease> leases) =>
        string.Join("; ", leases.GroupBy(l => l.Kind).Select(kind =>
            $"{kind.Key}: {string.Join(", ", kind.GroupBy(l => (l.Owner ?? "nobody") + (l.Live ? "" : " (dead)")).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"))}"));
}
