using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>What became of a timeout or connect call.</summary>
public abstract record TimeoutOutcome
{
    /// <summary>The sandbox is ready to use (running), its timer set or extended: 200.</summary>
    public sealed record Ready(SandboxRow Sandbox) : TimeoutOutcome;

    /// <summary>The timer is set, or the sandbox is on its way to running (starting, resuming, or a resume just requested): 202 for a connect.</summary>
    public sealed record Underway(SandboxRow Sandbox) : TimeoutOutcome;

    public sealed record NotFound : TimeoutOutcome;

    /// <summary>Not possible in the sandbox's status, which is named.</summary>
    public sealed record Conflict(SandboxStatus Current) : TimeoutOutcome;

    /// <summary>A connect to a paused sandbox whose resume would take the team past a quota.</summary>
    public sealed record QuotaExceeded(Contract.Quotas.QuotaBreach Breach) : TimeoutOutcome;

    /// <summary>A connect to a paused sandbox whose host has no room to resume it: it stays paused.</summary>
    public sealed record NoCapacity(Contract.Capacity.CapacityResource Resource) : TimeoutOutcome;

    /// <summary>A connect to a paused sandbox whose lifetime has ended.</summary>
    public sealed record LifetimeEnded(SandboxRow Sandbox) : TimeoutOutcome;

    /// <summary>An earlier call with the same idempotency key and fingerprint: its answer, replayed.</summary>
    public sealed record Replayed(StoredAnswer Answer) : TimeoutOutcome;

    /// <summary>The idempotency key was used for another request.</summary>
    public sealed record KeyReused(EarlierRequest Earlier) : TimeoutOutcome;

    /// <summary>The call's <c>If-Match</c> does not name the sandbox as it is; nothing changed.</summary>
    public sealed record PreconditionFailed(SandboxRow Sandbox) : TimeoutOutcome;
}
