namespace Lifecycle.Reconciler;

/// <summary>Bound from <c>Lifecycle:HostMonitor</c>.</summary>
public sealed class HostMonitorOptions
{
    public const string Section = "Lifecycle:HostMonitor";

    /// <summary>Off only for tests that must not see the HostMonitor act.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Time between two passes over the same host; a pass also runs when a replica becomes leader, and on
    /// request. The passive phase (silent hosts, stranded sandboxes) runs once per interval.
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
    /// The leader lease's period: a standby tries to take it this often, and the leader's Postgres
    /// session ends (releasing it) when the leader has been silent this long.
    /// </summary>
    public TimeSpan LeasePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often a standby tries to take the lease, and the leader checks in on it (at most a third of
    /// <see cref="LeasePeriod"/>). Short, like Kubernetes' lease retry period: a try is one cheap
    /// <c>pg_try_advisory_lock</c>, and after a Postgres restart a leader is back within this time of
    /// Postgres answering, instead of a whole lease period later.
    /// </summary>
    public TimeSpan LeaseRetryPeriod { get; set; } = TimeSpan.FromSeconds(2);
}
