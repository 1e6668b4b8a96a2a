namespace Lifecycle.Core.Sandboxes;

/// <summary>Wire and database names of a host's status.</summary>
public static class HostStatus
{
    public const string Online = "online";

    /// <summary>No heartbeat for the configured time; its sandboxes are <c>missing</c>.</summary>
    public const string Unreachable = "unreachable";

    /// <summary>Its token is revoked; it can never report again.</summary>
    public const string Decommissioned = "decommissioned";
}
