namespace Lifecycle.Contract.Events;

/// <summary>
/// Every reason code the control plane writes into an event's <c>reason</c> field, in one place: the
/// HostMonitor's, the background operations' and the drains'. (A host agent's own reports carry the
/// reason it gives.)
/// </summary>
public static class Reasons
{
    public const string HostUnreachable = "host_unreachable";
    public const string HostDecommissioned = "host_decommissioned";
    public const string AliveOnHost = "alive_on_host";

    /// <summary>Found alive after it was lost mid-operation: back to that operation, which is re-driven.</summary>
    public const string ResumesOperation = "resumes_operation";

    /// <summary>Paused, but the host has neither its VM nor its snapshot.</summary>
    public const string SnapshotGone = "snapshot_gone";
    public const string AbsentOnHost = "absent_on_host";
    public const string AutoPausedByHost = "auto_paused_by_host";
    public const string HostShowsOutcome = "host_shows_outcome";
    public const string Redriven = "redriven";
    public const string DeadlinePassed = "deadline_passed";

    /// <summary>A background operation's host call failed with an answer that decides it (the failure event's reason).</summary>
    public const string HostRpcFailed = "host_rpc_failed";

    /// <summary>
    /// Its host answered RESOURCE_EXHAUSTED: it has no room for the sandbox, whatever the control plane counted (a
    /// create refused, or a re-driven create or resume).
    /// </summary>
    public const string NoCapacity = "no_capacity";

    /// <summary>A pause or destroy a host's drain asked for, as the contract names it among stop reasons.</summary>
    public const string Drained = "drained";

    /// <summary>
    /// Its time to live ran out: on a pause or destroy the evictor asked for, on a host's report of the same, or on the
    /// HostMonitor's correction of a sandbox its host paused or ended after its expiry.
    /// </summary>
    public const string Timeout = "timeout";

    /// <summary>Its lifetime (<c>max_lifetime_sec</c> since create) ran out: the destroy the evictor asked for, or a host's report of it.</summary>
    public const string MaxLifetime = "max_lifetime";
}
