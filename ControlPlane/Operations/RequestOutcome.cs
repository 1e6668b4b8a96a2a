using Lifecycle.Contract.Sandboxes;
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

    /// <summary>No online host can take a new sandbox.</summary>
    public sealed record NoCapacity : RequestOutcome;
}
