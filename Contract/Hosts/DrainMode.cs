namespace Lifecycle.Contract.Hosts;

/// <summary>What a drain does with a host's sandboxes; the lower-case name is the wire and database form.</summary>
public enum DrainMode
{
    /// <summary>Running sandboxes are paused (their snapshots stay on the host); paused ones stay paused.</summary>
    Pause,

    /// <summary>Every sandbox that is not stopped is destroyed.</summary>
    Destroy,

    /// <summary>Nothing is done: the sandboxes end by themselves (their users delete them) until the deadline.</summary>
    Wait,
}
