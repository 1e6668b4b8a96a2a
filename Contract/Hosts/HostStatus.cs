namespace Lifecycle.Contract.Hosts;

/// <summary>A host's status; the lower-case name is the wire and database form (<see cref="HostStatuses.ToWire"/>).</summary>
public enum HostStatus
{
    /// <summary>Registered, never heartbeated: it takes no sandbox until it has spoken.</summary>
    Registered,

    /// <summary>Heartbeating; new sandboxes are placed on it.</summary>
    Online,

    /// <summary>An online host that has not heartbeated for the configured time; its sandboxes are <c>missing</c>.</summary>
    Unreachable,

    /// <summary>Takes no new sandboxes; the ones it has carry on. Uncordon returns it to online.</summary>
    Cordoned,

    /// <summary>Takes no new sandboxes; its sandboxes are being paused, destroyed or waited out, by the drain's mode.</summary>
    Draining,

    /// <summary>A drain ended: nothing runs on it, so decommissioning it strands nothing.</summary>
    Drained,

    /// <summary>Out of service for good: its token and certificates are revoked; it can never report again.</summary>
    Decommissioned,
}
