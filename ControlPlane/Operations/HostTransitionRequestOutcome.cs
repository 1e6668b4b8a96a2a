using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>What became of an operator's host transition.</summary>
public abstract record HostTransitionRequestOutcome
{
    /// <summary>The host is in the status the transition leads to (it may have been in it already); its row as it is now.</summary>
    public sealed record Applied(HostRow Host) : HostTransitionRequestOutcome;

    public sealed record NotFound : HostTransitionRequestOutcome;

    /// <summary>The table's <paramref name="Row"/> does not apply to the host's <paramref name="Current"/> status.</summary>
    public sealed record Conflict(HostTransition Row, HostStatus Current) : HostTransitionRequestOutcome;
}
