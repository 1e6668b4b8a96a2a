namespace Lifecycle.Contract.Hosts;

/// <summary>The event type of each host status change, as written in <c>host_transitions.type</c>.</summary>
public static class HostEventTypes
{
    public const string Registered = "host.registered";
    public const string FirstHeartbeat = "host.first_heartbeat";
    public const string Silent = "host.silent";
    public const string Back = "host.back";
    public const string Cordoned = "host.cordoned";
    public const string Uncordoned = "host.uncordoned";
    public const string DrainStarted = "host.drain.started";
    public const string Drained = "host.drained";
    public const string Decommissioned = "host.decommissioned";
}
