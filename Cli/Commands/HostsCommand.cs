using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>hosts</c>: each host's status, whether it is silent, heartbeat age, drain, the replica that owns its
/// shard and when it was last reconciled, vCPUs and memory allocated of its capacity, and sandboxes by status. Exits 1 when a host is unreachable, or
/// in service and silent or overdue for a reconcile.
/// </summary>
public static class HostsCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var all = new Option<bool>("--all") { Description = "Include decommissioned hosts" };
        var command = new Command("hosts", "Hosts: status (registered, online, unreachable, cordoned, draining, drained), silence, last heartbeat age, drain progress, shard owner, last reconcile, vCPUs and memory (MiB) allocated/capacity, sandboxes by status") { all };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var shardLeases = await session.ShardLeasesAsync(ct);
            var now = session.Clock.GetUtcNow();
            var hosts = (await session.Get<HostStore>().ListAsync(ct))
                .Where(h => parsed.GetValue(all) || h.Status != HostStatus.Decommissioned)
                .Select(h => HostSummary.Of(h, now, session.HostMonitor, shardLeases))
                .ToList();
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { hosts });
            }
            else
            {
                var counted = HostSummary.CountedStatuses;
                output.Table(["HOST", "NAME", "STATUS", "SILENT", "HEARTBEAT AGE", "ADDRESS", "DRAIN", "SHARD OWNER", "RECONCILED", "VCPUS", "MEMORY MB", .. counted.Select(s => s.ToUpperInvariant())],
                    hosts.Select(IReadOnlyList<string?> (h) =>
                    [
                        h.Id.ToString(), h.Name, h.Status, h.Silent ? "yes" : "no", Age(h.HeartbeatAgeMs), h.GrpcAddress, h.Drain?.Cell(),
                        h.Reconcile.OwnerCell(), h.Reconcile.ReconciledCell(), h.CapacityCell(CapacityResource.Vcpus), h.CapacityCell(CapacityResource.MemoryMb),
                        .. counted.Select(s => Number(h.Sandboxes.GetValueOrDefault(s))),
                    ]));
            }
            return hosts.Any(h => h.IsUnhealthy) ? ExitCodes.Unhealthy : ExitCodes.Ok;
        }));
        return command;
    }
}
