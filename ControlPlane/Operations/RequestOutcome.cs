using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>What became of a client's request for an operation.</summary>
public abstract record RequestOutcome
{
    /// <summary>The request applied (or one like it was already under way); the row is in the transient state.</summary>
    public sealed record Accepted(SandboxRow Sandbox) : RequestOutcome;

    public sealed record NotFound : RequestOutcome;

    /// <summary>The operation cannot start from the sandbox's current status.</summary>
    public sealed record Conflict(SandboxStatus Current) : RequestOutcome;

    /// <summary>No online host at all.</summary>
    public sealed record NoHost : RequestOutcome;

    /// <summary>No host has room now (a create), or the sandbox's own host has none (a resume): <paramref name="Resource"/> is short.</summary>
    public sealed record NoCapacity(CapacityResource Resource) : RequestOutcome;

    /// <summary>A create bigger than any host can hold (<see cref="CapacityRules.TooBig"/>).</summary>
    public sealed record TooBig(CapacityResource Resource, long Largest) : RequestOutcome;

    /// <summary>The team's own request would take one of its quotas past its limit.</summary>
    public sealed record QuotaExceeded(QuotaBreach Breach) : RequestOutcome;

    /// <summary>A resume of a sandbox whose lifetime (<c>max_lifetime_sec</c>) has ended: it is about to be destroyed.</summary>
    public sealed record LifetimeEnded(SandboxRow Sandbox) : RequestOutcome;

    /// <summary>The evictor's request for a sandbox that is no longer expired (its timeout was extended meanwhile).</summary>
    public sealed record NoLongerDue(SandboxRow Sandbox) : RequestOutcome;

    /// <summary>An earlier request with the same idempotency key and the same fingerprint: its answer, replayed.</summary>
    public sealed record Replayed(StoredAnswer Answer) : RequestOutcome;

    /// <summary>The idempotency key was used for another request (another method, path or body).</summary>
    public sealed record KeyReused(EarlierRequest Earlier) : RequestOutcome;

    /// <summary>The request's <c>If-Match</c> does not name the sandbox as it is; nothing changed.</summary>
    public sealed record PreconditionFailed(SandboxRow Sandbox) : RequestOutcome;
}
