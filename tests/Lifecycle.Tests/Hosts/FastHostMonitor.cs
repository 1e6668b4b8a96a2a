namespace Lifecycle.Tests.Hosts;

/// <summary>The HostMonitor on, with its intervals cut from a minute to fractions of a second.</summary>
public static class FastHostMonitor
{
    public static Dictionary<string, string?> Settings(TimeSpan? heartbeatTimeout = null) => new()
    {
        ["Lifecycle:HostMonitor:Enabled"] = "true",
        ["Lifecycle:HostMonitor:Interval"] = "00:00:00.300",
        ["Lifecycle:HostMonitor:HeartbeatTimeout"] = (heartbeatTimeout ?? TimeSpan.FromSeconds(1.5)).ToString(),
        ["Lifecycle:HostMonitor:HostDeadline"] = "00:00:01",
        ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:00.500",
        ["Lifecycle:HostMonitor:OrphanGrace"] = "00:00:01",
        ["Lifecycle:Ownership:LeasePeriod"] = "00:00:01",
        ["Lifecycle:HostMonitor:RedriveBackoff"] = "00:00:00.100",
    };
}
