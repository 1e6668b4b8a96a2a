namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>Bound from <c>Lifecycle:Timeouts</c>.</summary>
public sealed class TimeoutOptions
{
    public const string Section = "Lifecycle:Timeouts";

    /// <summary>
    /// How often the evictor looks for expired sandboxes on the hosts this replica owns: the control plane's bound on
    /// how late it acts when a host does not (its own deadline enforcement is the first line).
    /// </summary>
    public TimeSpan EvictorInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long past an expiry the evictor leaves the sandbox to its host, which holds the VM and acts at the deadline
    /// itself: the two never race over a sandbox whose host works, and the evictor takes over from one that does not.
    /// </summary>
    public TimeSpan HostGrace { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Expired sandboxes acted on per round, oldest expiry first.</summary>
    public int EvictorBatch { get; set; } = 1000;

    /// <summary>Requests the evictor has under way at once.</summary>
    public int EvictorParallelism { get; set; } = 16;

    /// <summary>How long telling a host a new deadline may take, tries included (a create still booting answers NOT_FOUND at first).</summary>
    public TimeSpan HostNoticeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
