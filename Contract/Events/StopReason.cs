namespace Lifecycle.Contract.Events;

/// <summary>
/// Why a sandbox is <c>paused</c>, <c>stopped</c> or <c>error</c>: one closed set, derived from the transition that
/// put it there by <see cref="StopReasons"/>, never written by hand. The wire name is the snake_case of the member.
/// </summary>
public enum StopReason
{
    /// <summary>Its team (or an operator on its behalf) asked for the pause or destroy.</summary>
    Requested,

    /// <summary>Its time to live (<c>expires_at</c>) ran out; <c>on_timeout</c> said pause or destroy.</summary>
    Timeout,

    /// <summary>Its <c>max_lifetime_sec</c> since create ran out: destroyed whatever <c>on_timeout</c> says.</summary>
    MaxLifetime,

    /// <summary>Its host paused it by its own idle detection.</summary>
    Idle,

    /// <summary>The VM ended on its host (it exited, crashed, or the host no longer has it).</summary>
    HostExited,

    /// <summary>Neither its VM nor its snapshot is left on its host.</summary>
    Vanished,

    /// <summary>A drain of its host paused or destroyed it.</summary>
    Drained,

    /// <summary>Its host refused the create.</summary>
    CreateFailed,

    /// <summary>Its host had no room for it (RESOURCE_EXHAUSTED) though the control plane counted some: nothing was made.</summary>
    NoCapacity,

    /// <summary>Its host refused the destroy.</summary>
    DestroyFailed,

    /// <summary>A resume failed; the snapshot is kept.</summary>
    ResumeFailed,

    /// <summary>An operation passed its deadline and re-driving it failed.</summary>
    TimedOut,

    /// <summary>Its host was decommissioned and will never return.</summary>
    Decommissioned,
}
