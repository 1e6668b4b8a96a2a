namespace Lifecycle.Contract.Sandboxes;

/// <summary>
/// The wire names of <see cref="SandboxStatus"/> as constants, for SQL built at compile time: a statement
/// that must match a partial index's predicate names a status in its text, never as a literal of its own.
/// Each equals <see cref="SandboxStatuses.ToWire"/> of its namesake (a unit test holds them together).
/// </summary>
public static class SandboxStatusNames
{
    public const string Starting = "starting";
    public const string Running = "running";
    public const string Pausing = "pausing";
    public const string Paused = "paused";
    public const string Resuming = "resuming";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
    public const string Error = "error";
    public const string Missing = "missing";
}
