using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Contract.Sandboxes;

/// <summary>
/// What a host's view of one sandbox means for an operation under way on it: the one rule shared by the
/// background operation (asking the host after an ambiguous RPC error), the HostMonitor (settling a
/// transient sandbox past its grace) and a re-drive (reading what the host shows after the RPC).
/// <c>shown</c> is <c>running</c> or <c>paused</c> (a snapshot kept off the host counts as paused), or
/// null when the host has neither the VM nor a snapshot of it.
/// </summary>
public static class HostOutcomes
{
    /// <summary>
    /// The status the sandbox settles in, or null while the host still shows the state from before the
    /// operation (not done yet; the operation may be re-driven).
    /// </summary>
    public static SandboxStatus? SettlesIn(SandboxOperation operation, SandboxStatus? shown)
    {
        if (operation == SandboxOperation.Create)
        {
            // Not on the host is the state before a create: the RPC may never have arrived. Booted and
            // already paused for idleness is a create that happened.
            return shown;
        }
        if (operation == SandboxOperation.Destroy)
        {
            return shown is null ? Stopped : null;
        }
        if (shown is null)
        {
            // Neither VM nor snapshot left mid-pause or mid-resume: there is nothing to pause or resume
            // any more. The sandbox has ended, as an exit would have ended it.
            return Stopped;
        }
        return shown == operation.OnSuccess ? shown : null;
    }

    /// <summary>True when the host shows what the operation's success leads to.</summary>
    public static bool ShowsDone(SandboxOperation operation, SandboxStatus? shown) =>
        SettlesIn(operation, shown) == operation.OnSuccess;
}
