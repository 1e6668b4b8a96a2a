using System.Text.Json;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Rendering;

/// <summary>
/// A host as <c>hosts</c> and <c>host ID</c> print it. <paramref name="Sandboxes"/> counts its sandboxes that
/// are not stopped, by status; <paramref name="Silent"/> is true when a host that has heartbeated (and is not
/// decommissioned) has not for longer than the heartbeat timeout: an online one is about to become
/// unreachable, a cordoned, draining or drained one keeps its status while its sandboxes go missing.
/// <paramref name="Reconcile"/> says who reconciles it and when it last was. <paramref name="Capacity"/> is what it
/// last reported it lets sandboxes use (null until it reports), <paramref name="Allocated"/> what its sandboxes that
/// may still have a VM there hold (<see cref="Contract.Capacity.CapacityRules.Holding"/>).
/// </summary>
public sealed record HostSummary(
    Guid Id, string Name, string Status, bool Silent, string GrpcAddress, DateTime? LastHeartbeatAt, long? HeartbeatAgeMs,
    IReadOnlyDictionary<string, long> Sandboxes, DrainView? Drain, ReconcileView Reconcile, Resources? Capacity, Resources Allocated)
{
    /// <param name="shardLeases">The leases of the shards of hosts, in slot order (<see cref="ReconcileView.ShardLeases"/>).</param>
    public static HostSummary Of(HostRow host, DateTimeOffset now, HostMonitorTimes times, IReadOnlyList<LeaseStore.Lease> shardLeases)
    {
        var age = AgeMs(host.LastHeartbeatAt, now);
        var sandboxes = host.SandboxCounts();
        var silent = age is { } ms && ms > times.HeartbeatTimeout.TotalMilliseconds && host.Status != HostStatus.Decommissioned;
        return new(host.Id, host.Name, host.Status.ToWire(), silent, host.GrpcAddress, host.LastHeartbeatAt, age, sandboxes, DrainView.Of(host, sandboxes, now),
            ReconcileView.Of(host, shardLeases, silent, now, times.ReconcileOverdueAfter),
            host.AllocatableVcpus is { } vcpus && host.AllocatableMemoryMb is { } memory ? new Resources(vcpus, memory) : null, host.Allocated());
    }

    /// <summary>Trouble for on-call: an unreachable host, one in service gone silent, or one not reconciled in time.</summary>
    public bool IsUnhealthy => Status == HostStatus.Unreachable.ToWire() || Silent || Reconcile.Overdue;

    /// <summary>Allocated of capacity, as a table cell: <c>12/16</c>; <c>12/-</c> while the host has reported none.</summary>
    public string CapacityCell(CapacityResource resource) =>
        $"{Number(Allocated.Of(resource))}/{(Capacity is { } capacity ? Number(capacity.Of(resource)) : "-")}";

    /// <summary>The sandbox statuses counted in a table's columns: every non-terminal one.</summary>
    public static IReadOnlyList<string> CountedStatuses { get; } =
        [.. Enum.GetValues<SandboxStatus>().Where(SandboxStatuses.NonTerminal.Contains).Select(s => s.ToWire())];
}

/// <summary>
/// A draining or drained host's drain: its mode, deadline, its sandboxes not yet where the mode leaves them
/// (<see cref="DrainModes.Remaining"/>), and in pause mode the paused ones it keeps on the host
/// (decommissioning the host would stop them).
/// </summary>
public sealed record DrainView(string Mode, bool Done, DateTime? Deadline, long Remaining, long? DeadlineInMs, long? PausedKept)
{
    public static DrainView? Of(HostRow host, IReadOnlyDictionary<string, long> notStopped, DateTimeOffset now)
    {
        if (!DrainModes.TryParse(host.DrainMode, out var mode) || host.Status is not (HostStatus.Draining or HostStatus.Drained))
        {
            return null;
        }
        return new(host.DrainMode!, host.Status == HostStatus.Drained, host.DrainDeadline, mode.Remaining(notStopped), -AgeMs(host.DrainDeadline, now),
            mode == DrainMode.Pause ? notStopped.GetValueOrDefault(SandboxStatus.Paused.ToWire()) : null);
    }

    /// <summary>As a table cell: <c>destroy: 12 left, deadline in 3m10s</c>, <c>pause: drained, 50 paused kept</c>.</summary>
    public string Cell() => DeadlineInMs switch
    {
        _ when Done => $"{Mode}: drained" + (PausedKept is > 0 ? $", {Number(PausedKept.Value)} paused kept" : ""),
        null => $"{Mode}: {Number(Remaining)} left",
        >= 0 and long ms => $"{Mode}: {Number(Remaining)} left, deadline in {Age(ms)}",
        long ms => $"{Mode}: {Number(Remaining)} left, deadline passed {Age(-ms)} ago",
    };
}
