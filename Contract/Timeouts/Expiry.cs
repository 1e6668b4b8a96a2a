using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Contract.Timeouts;

/// <summary>
/// What the control plane does to a sandbox whose <c>expires_at</c> has passed: the one rule the evictor and the
/// host agent follow alike, so the two sides never fight over a sandbox. A running sandbox is paused or destroyed
/// as its <c>on_timeout</c> says, for <see cref="Reasons.Timeout"/>; any sandbox, running or paused, whose lifetime
/// has ended is destroyed for <see cref="Reasons.MaxLifetime"/> (pausing it would only keep what can never run again).
/// A paused sandbox's timer does not run: its <c>expires_at</c> is its lifetime's end, or null.
/// </summary>
public static class Expiry
{
    /// <summary>The operation and the reason code it is requested with.</summary>
    public sealed record Action(SandboxOperation Operation, string Reason);

    /// <summary>The statuses whose expiry the control plane acts on; transient ones finish their operation first.</summary>
    public static readonly IReadOnlyList<SandboxStatus> ActedOn = [SandboxStatus.Running, SandboxStatus.Paused];

    /// <summary>What to do now, or null when nothing is due (not expired, or in a status the rule leaves alone).</summary>
    public static Action? Due(SandboxStatus status, OnTimeout onTimeout, DateTimeOffset? expiresAt, DateTimeOffset? lifetimeEnd, DateTimeOffset now)
    {
        if (lifetimeEnd is { } end && end <= now && status is SandboxStatus.Running or SandboxStatus.Paused)
        {
            return new Action(SandboxOperation.Destroy, Reasons.MaxLifetime);
        }
        if (status != SandboxStatus.Running || expiresAt is not { } expires || expires > now)
        {
            return null;
        }
        return new Action(onTimeout == OnTimeout.Destroy ? SandboxOperation.Destroy : SandboxOperation.Pause, Reasons.Timeout);
    }
}
