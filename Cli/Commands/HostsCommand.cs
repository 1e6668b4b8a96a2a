using System.CommandLine;
using System.Text.Json;
using Lifecycle.Core.Hosts;
using Lifecycle.Core.Sandboxes;
using Lifecycle.Core.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary><c>hosts</c>: each host's status, heartbeat age, sandboxes by status and drain progress. Exits 1 when a host in service is unreachable.</summary>
public static class HostsCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var all = new Option<bool>("--all") { Description = "Include decommissioned hosts" };
        var command = new Command("hosts", "Hosts: status, last heartbeat age, sandboxes by status") { all };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var now = session.Clock.GetUtcNow();
            var drains = (await session.Get<HostStore>().DrainsAsync([HostStatus.Draining, HostStatus.Drained], null, ct).ConfigureAwait(false))
                .ToDictionary(d => d.Id);
            var hosts = (await session.Get<HostStore>().ListAsync(ct).ConfigureAwait(false))
                .Where(h => parsed.GetValue(all) || h.Status != "decommissioned")
                .Select(h => HostView.Of(h, now, drains.GetValueOrDefault(h.Id)))
                .ToList();
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { hosts });
            }
            else
            {
                var counted = Enum.GetValues<SandboxStatus>().Where(SandboxStatuses.NonTerminal.Contains).Select(s => s.ToWire()).ToList();
                output.Table(["HOST", "NAME", "STATUS", "HEARTBEAT AGE", "ADDRESS", .. counted.Select(s => s.ToUpperInvariant()), "DRAIN"],
                    hosts.Select(IReadOnlyList<string?> (h) =>
                    [
                        h.Id.ToString(), h.Name, h.Status, Age(h.HeartbeatAgeMs), h.GrpcAddress,
                        .. counted.Select(s => Number(h.Sandboxes.GetValueOrDefault(s))),
                        DrainCell(h),
                    ]));
            }
            return hosts.Any(h => h.Status == "unreachable") ? ExitCodes.Unhealthy : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>"destroy: 12 left, deadline in 4m", "destroy: 3 left, deadline passed", "pause: drained, 50 paused kept".</summary>
    private static string? DrainCell(HostView host) => host.Drain switch
    {
        null => null,
        var drain when host.Status == HostStatus.Drained.ToWire() =>
            $"{drain.Mode}: drained" + (drain.PausedKept is > 0 ? $", {Number(drain.PausedKept.Value)} paused kept" : ""),
        { DeadlineInMs: <= 0 } drain => $"{drain.Mode}: {Number(drain.Remaining)} left, deadline passed",
        var drain => $"{drain.Mode}: {Number(drain.Remaining)} left, deadline in {Age(drain.DeadlineInMs)}",
    };

    /// <summary>A host as printed; <paramref name="Sandboxes"/> counts its sandboxes that are not stopped, by status.</summary>
    public sealed record HostView(
        Guid Id, string Name, string Status, string GrpcAddress, DateTime? LastHeartbeatAt, long? HeartbeatAgeMs, IReadOnlyDictionary<string, long> Sandboxes,
        DrainView? Drain)
    {
        public static HostView Of(HostRow host, DateTimeOffset now, HostDrain? drain)
        {
            var sandboxes = JsonSerializer.Deserialize<Dictionary<string, long>>(host.SandboxCounts) ?? [];
            return new(host.Id, host.Name, host.Status, host.GrpcAddress, host.LastHeartbeatAt, AgeMs(host.LastHeartbeatAt, now), sandboxes,
                drain is not null && host.Status == drain.Status ? DrainView.Of(drain, sandboxes, now) : null);
        }
    }

    /// <summary>
    /// A draining or drained host's drain: <paramref name="Remaining"/> sandboxes not yet where the mode leaves
    /// them, and in pause mode the paused ones it keeps on the host (decommissioning the host would stop them).
    /// </summary>
    public sealed record DrainView(string Mode, DateTime StartedAt, DateTime Deadline, long DeadlineInMs, long Remaining, long? PausedKept)
    {
        public static DrainView Of(HostDrain drain, IReadOnlyDictionary<string, long> sandboxes, DateTimeOffset now) => new(
            drain.DrainMode, drain.DrainStartedAt, drain.DrainDeadline, -AgeMs(drain.DrainDeadline, now) ?? 0, drain.Mode.Remaining(sandboxes),
            drain.Mode == DrainMode.Pause ? sandboxes.GetValueOrDefault(SandboxStatus.Paused.ToWire()) : null);
    }
}
