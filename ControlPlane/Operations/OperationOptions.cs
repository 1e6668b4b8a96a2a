namespace Lifecycle.ControlPlane.Operations;

/// <summary>Bound from <c>Lifecycle:Operations</c>.</summary>
public sealed class OperationOptions
{
    public const string Section = "Lifecycle:Operations";

    /// <summary>Deadline of one host agent RPC.</summary>
    public TimeSpan RpcTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Written on the row as <c>operation_deadline</c>: past it, the HostMonitor settles or re-drives
    /// the sandbox. Longer than the RPC timeout, so a live operation is never raced.
    /// </summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>On shutdown, how long in-flight operations may finish before they are abandoned to the HostMonitor.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
