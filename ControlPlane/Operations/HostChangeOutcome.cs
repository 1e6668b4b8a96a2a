using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>What became of an operator's change of a host's status.</summary>
public abstract record HostChangeOutcome
{
    /// <summary>The host is in the status the change leads to (it may have been in it already); its row as it is now.</summary>
    public sealed record Changed(HostRow Host) : HostChangeOutcome;

    public sealed record NotFound : HostChangeOutcome;

    /// <summary>The table's <paramref name="Row"/> does not apply to the host's <paramref name="Current"/> status.</summary>
    public sealed record Conflict(HostTransition Row, HostStatus Current) : HostChangeOutcome;
}
