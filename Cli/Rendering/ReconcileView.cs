using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Partitioning;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Rendering;

/// <summary>
/// Who reconciles a host and when it last was: its shard (<c>StableHash(host id) mod shards</c>, null when no
/// replica ever ran the HostMonitor), the replica holding that shard's lease and whether it is live, and
/// the host's last reconcile (when, by whom). <paramref name="Overdue"/>: a host in service that is not
/// silent, and has not been reconciled (or, never reconciled, not since it was registered) for longer than
/// the bound given: its shard's owner passes it by, or every pass fails on it.
/// </summary>
public sealed record ReconcileView(
    int? Shard, string? Owner, bool OwnerLive, DateTime? ReconciledAt, string? ReconciledBy, long? ReconciledAgeMs, bool Overdue)
{
    public static ReconcileView Of(HostRow host, IReadOnlyList<LeaseStore.Lease> shardLeases, bool silent, DateTimeOffset now, TimeSpan overdueAfter)
    {
        var lease = shardLeases.Count == 0 ? null : shardLeases[StableHash.SlotOf(host.Id, shardLeases.Count)];
        var sinceMs = AgeMs(host.ReconciledAt ?? host.CreatedAt, now);
        var overdue = HostStatuses.Serving.Contains(host.Status) && !silent && sinceMs > overdueAfter.TotalMilliseconds;
        return new(lease?.Slot, lease?.Owner, lease?.Live ?? false, host.ReconciledAt, host.ReconciledBy, AgeMs(host.ReconciledAt, now), overdue);
    }

    /// <summary>The shards' leases in slot order, as <see cref="Of"/> takes them.</summary>
    public static IReadOnlyList<LeaseStore.Lease> ShardLeases(IEnumerable<LeaseStore.Lease> leases) =>
        [.. leases.Where(l => l.Kind == LeaseKind.HostShards.Name).OrderBy(l => l.Slot)];

    /// <summary>The owner as a table cell: <c>replica-2</c>, <c>replica-2 (not live)</c>, or <c>none</c>.</summary>
    public string OwnerCell() => Owner is null ? "none" : OwnerLive ? Owner : $"{Owner} (not live)";

    /// <summary>The last reconcile as a table cell: <c>4s ago</c>, <c>3m10s ago (overdue)</c>, <c>never</c>.</summary>
    public string ReconciledCell() => (ReconciledAgeMs is { } ms ? $"{Age(ms)} ago" : "never") + (Overdue ? " (overdue)" : "");
}
