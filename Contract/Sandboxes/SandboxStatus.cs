namespace Lifecycle.Contract.Sandboxes;

/// <summary>A sandbox's status; the lower-case name is the wire and database form.</summary>
public enum SandboxStatus
{
    Starting,
    Running,
    Pausing,
    Paused,
    Resuming,
    Stopping,
    Stopped,
    Error,
    Missing,
}
