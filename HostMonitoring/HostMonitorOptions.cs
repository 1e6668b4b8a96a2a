using Microsoft.Extensions.Configuration;

namespace Lifecycle.HostMonitoring;

/// <summary>Bound from <c>Lifecycle:HostMonitor</c>.</summary>
public sealed class HostMonitorOptions
{
    public const string Section = "Lifecycle:HostMonitor";

    /// <summary>Off only for tests that must not see the HostMonitor act.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Whether <paramref name="configuration"/> runs the HostMonitor (<see cref="Enabled"/>, on unless set off).</summary>
    public static bool IsEnabled(IConfiguration configuration) =>
        configuration.GetSection(Section).GetValue(nameof(Enabled), true);

    /// <summary>
    /// Time between two passes over the same host; a pass also runs when a replica takes shards of hosts,
    /// and on request. The passive phase (silent hosts, stranded sandboxes) runs once per interval.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Scheduled passes per <see cref="Interval"/>, each over one slice of the hosts (a stable hash of the
    /// host's id, modulo this), in turn: every host is still reconciled once per interval, but the work is
    /// spread over it instead of landing at once (a pass over 100,000 sandboxes takes both cores for half a
    /// second). 1: one pass over every host per interval.
    /// </summary>
    public int Slices { get; set; } = 6;

    /// <summary>A host silent this long becomes unreachable and its sandboxes missing.</summary>
    public TimeSpan HeartbeatTimeout { get; set; } = TimeSpan.FromSeconds(90);

    /// <summary>All the time one host may take in a pass (ListSandboxes, re-drives, orphan destroys).</summary>
    public TimeSpan HostDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Hosts reconciled at once.</summary>
    public int MaxParallelHosts { get; set; } = 32;

    /// <summary>Calls (re-drives, orphan destroys) made to one host at once within a pass.</summary>
    public int MaxParallelCallsPerHost { get; set; } = 16;

    /// <summary>A transient sandbox younger than this is left to the operation that is presumably still running.</summary>
    public TimeSpan TransientGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A VM must be seen as an orphan for this long, over several passes, before it is destroyed.</summary>
    public TimeSpan OrphanGrace { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Tries of a re-driven RPC within one pass, with doubling backoff from <see cref="RedriveBackoff"/>.</summary>
    public int RedriveAttempts { get; set; } = 3;

    public TimeSpan RedriveBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Share of one host's sandboxes that a pass may end (stop, fail, destroy) without a second pass confirming it.</summary>
    public double BrakeShare { get; set; } = 0.5;

    /// <summary>Hosts with fewer sandboxes than this are not braked: a few changes are a large share of little.</summary>
    public int BrakeMinSandboxes { get; set; } = 10;

    /// <summary>
    /// Hosts are divided between replicas in this many shards (<c>StableHash(host id) mod Shards</c>),
    /// each leased to one replica like a stream partition. More shards than replicas, so the split is even.
    /// </summary>
    public int Shards { get; set; } = 64;
}
