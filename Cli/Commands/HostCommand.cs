using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>host ID</c>: one host's row, who reconciles it and when it last was, what is allocated of its capacity, its sandboxes by status, and its
/// story: every change of its status, by whom and why.
/// </summary>
public static class HostCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var id = new Argument<Guid>("id") { Description = "The host id (a UUID)", CustomParser = IdArgument.Parser("host") };
        var command = new Command("host", "One host: its row, its shard owner and last reconcile, its sandboxes by status, and every change of its status (who, why, when)") { id };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var hostId = parsed.GetValue(id);
            var store = session.Get<HostStore>();
            var row = await store.GetAsync(hostId, ct);
            var history = row is null ? [] : await store.HistoryAsync(hostId, ct);
            var host = row is null ? null : HostSummary.Of(row, session.Clock.GetUtcNow(), session.HostMonitor, await session.ShardLeasesAsync(ct));
            Render(session.Output, hostId, host, history);
            return host is null ? ExitCodes.NotFound : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary><c>HostMonitor: shard 17, owned by replica-2; last reconciled 2026-12-06 10:00:00Z (4s ago) by replica-2</c>.</summary>
    private static string ReconcileLine(ReconcileView reconcile)
    {
        var owner = reconcile.Shard is { } shard ? $"shard {Number(shard)}, owned by {reconcile.OwnerCell()}" : "no shard of hosts leased yet (no replica has run the HostMonitor)";
        var last = reconcile.ReconciledAt is { } at ? $"last reconciled {Time(at)} ({reconcile.ReconciledCell()}) by {reconcile.ReconciledBy}" : $"reconciled {reconcile.ReconciledCell()}";
        return $"HostMonitor: {owner}; {last}";
    }

    private static void Render(Output output, Guid id, HostSummary? host, IReadOnlyList<HostTransitionRow> history)
    {
        if (output.Json)
        {
            output.WriteJson(new { id, host, history });
            return;
        }
        if (host is null)
        {
            output.Line($"host {id}: no such row in Postgres");
            return;
        }
        output.Table(["HOST", "NAME", "STATUS", "SILENT", "LAST HEARTBEAT", "ADDRESS", "DRAIN"],
        [
            [
                host.Id.ToString(), host.Name, host.Status, host.Silent ? "yes" : "no",
                host.LastHeartbeatAt is { } at ? $"{Time(at)} ({Age(host.HeartbeatAgeMs)} ago)" : "never", host.GrpcAddress, host.Drain?.Cell(),
            ],
        ]);
        output.Line();
        output.Line(ReconcileLine(host.Reconcile));
        output.Line($"Capacity (allocated/capacity): vCPUs {host.CapacityCell(CapacityResource.Vcpus)}, memory MiB {host.CapacityCell(CapacityResource.MemoryMb)}");
        output.Line();
        output.Line($"Sandboxes not stopped ({host.Sandboxes.Values.Sum()}):");
        if (host.Sandboxes.Count > 0)
        {
            output.Table(["STATUS", "COUNT"], host.Sandboxes.OrderBy(c => c.Key, StringComparer.Ordinal).Select(IReadOnlyList<string?> (c) => [c.Key, Number(c.Value)]));
        }
        output.Line();
        output.Line($"History ({history.Count} changes, from Postgres):");
        if (history.Count > 0)
        {
            output.Table(["AT", "TYPE", "FROM→TO", "ACTOR", "REASON"],
                history.Select(IReadOnlyList<string?> (h) => [Time(h.At), h.Type, $"{h.FromStatus?.ToWire() ?? "(new)"}→{h.ToStatus.ToWire()}", h.Actor, h.Reason]));
        }
    }
}
