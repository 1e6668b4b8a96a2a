using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>What became of an operator's request to drain a host.</summary>
public abstract record HostDrainOutcome
{
    /// <summary>The host is draining; its row as it is now.</summary>
    public sealed record Started(HostRow Host) : HostDrainOutcome;

    public sealed record NotFound : HostDrainOutcome;

    /// <summary>A drain is under way already (<paramref name="Drain"/> is null when it ended in between).</summary>
    public sealed record UnderWay(HostDrain? Drain) : HostDrainOutcome;

    /// <summary>The host's <paramref name="Current"/> status allows no drain.</summary>
    public sealed record NotDrainable(HostStatus Current) : HostDrainOutcome;
}
