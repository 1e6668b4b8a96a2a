using Microsoft.Extensions.Configuration;

namespace Lifecycle.Cli.Rendering;

/// <summary>
/// The HostMonitor's times as the control plane reads them (<c>Lifecycle:HostMonitor</c>, with its defaults),
/// for judging a host: silent after <paramref name="HeartbeatTimeout"/>; overdue when not reconciled for
/// <paramref name="ReconcileOverdueAfter"/>, two intervals and a host deadline (each host comes round once per
/// interval, a pass may spend the deadline on it, and one failed pass is not yet trouble).
/// </summary>
public sealed record HostMonitorTimes(TimeSpan HeartbeatTimeout, TimeSpan ReconcileOverdueAfter)
{
    private const string Section = "Lifecycle:HostMonitor";

    public static HostMonitorTimes From(IConfiguration configuration)
    {
        TimeSpan Read(string name, double defaultSeconds) =>
            configuration.GetValue<TimeSpan?>($"{Section}:{name}") ?? TimeSpan.FromSeconds(defaultSeconds);
        return new(Read("HeartbeatTimeout", 90), 2 * Read("Interval", 60) + Read("HostDeadline", 10));
    }
}
