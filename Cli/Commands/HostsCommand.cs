using System.CommandLine;
using System.Text.Json;
using Lifecycle.Core.Sandboxes;
using Lifecycle.Core.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary><c>hosts</c>: each host's status, heartbeat age and sandboxes by status. Exits 1 when a host in service is unreachable.</summary>
public static class HostsCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var all = new Option<bool>("--all") { Description = "Include decommissioned hosts" };
        var command = new Command("hosts", "Hosts: status, last heartbeat age, sandboxes by status") { all };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var now = session.Clock.GetUtcNow();
            var hosts = (await session.Get<HostStore>().ListAsync(ct).ConfigureAwait(false))
                .Where(h => parsed.GetValue(all) || h.Status != "decommissioned")
                .Select(h => HostView.Of(h, now))
                .ToList();
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { hosts });
            }
            else
            {
                var counted = Enum.GetValues<SandboxStatus>().Where(SandboxStatuses.NonTerminal.Contains).Select(s => s.ToWire()).ToList();
                output.Table(["HOST", "NAME", "STATUS", "HEARTBEAT AGE", "ADDRESS", .. counted.Select(s => s.ToUpperInvariant())],
                    hosts.Select(IReadOnlyList<string?> (h) =>
                    [
                        h.Id.ToString(), h.Name, h.Status, Age(h.HeartbeatAgeMs), h.GrpcAddress,
                        .. counted.Select(s => Number(h.Sandboxes.GetValueOrDefault(s))),
                    ]));
            }
            return hosts.Any(h => h.Status == "unreachable") ? ExitCodes.Unhealthy : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>A host as printed; <paramref name="Sandboxes"/> counts its sandboxes that are not stopped, by status.</summary>
    public sealed record HostView(
        Guid Id, string Name, string Status, string GrpcAddress, DateTime? LastHeartbeatAt, long? HeartbeatAgeMs, IReadOnlyDictionary<string, long> Sandboxes)
    {
        public static HostView Of(HostRow host, DateTimeOffset now) => new(
            host.Id, host.Name, host.Status, host.GrpcAddress, host.LastHeartbeatAt,
            AgeMs(host.LastHeartbeatAt, now),
            JsonSerializer.Deserialize<Dictionary<string, long>>(host.SandboxCounts) ?? []);
    }
}
