using Lifecycle.Contract.Hosts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>What a host compare-and-set did: moved the host, found it in a status the row does not allow, or found no host.</summary>
public abstract record HostTransitionOutcome
{
    private HostTransitionOutcome()
    {
    }

    /// <summary>The host moved from <paramref name="From"/>; the change is in its history.</summary>
    public sealed record Moved(HostStatus From) : HostTransitionOutcome;

    /// <summary>The host is <paramref name="Current"/>, which the row does not move: nothing changed.</summary>
    public sealed record NotAllowed(HostStatus Current) : HostTransitionOutcome;

    public sealed record NoSuchHost : HostTransitionOutcome;
}
