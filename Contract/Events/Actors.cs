namespace Lifecycle.Contract.Events;

/// <summary>Who caused a transition, as written in the <c>actor</c> field.</summary>
public static class Actors
{
    /// <summary>An API client of a team.</summary>
    public static string Team(Guid teamId) => $"team:{teamId}";

    /// <summary>The control plane's own background operation on a host.</summary>
    public const string Operation = "operation";

    /// <summary>A host agent's callback.</summary>
    public static string Host(Guid hostId) => $"host:{hostId}";

    /// <summary>
    /// The HostMonitor correcting a sandbox, or finishing a drain, from what a host shows. Its wire name
    /// predates the component's name and stays: it is in every history already written.
    /// </summary>
    public const string HostMonitor = "reconciler";

    /// <summary>An operator, through the admin API (a host's registration, cordon, decommission).</summary>
    public const string Admin = "admin";

    /// <summary>A host's drain, asking for a pause or destroy of one of its sandboxes on the operator's behalf.</summary>
    public const string Drain = "drain";

    /// <summary>The control plane enforcing a sandbox's <c>expires_at</c> or lifetime, when its host has not.</summary>
    public const string Evictor = "evictor";
}
