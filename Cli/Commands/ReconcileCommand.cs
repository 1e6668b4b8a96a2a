using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Infrastructure.Streams;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>reconcile</c>: asks the replicas that own shards of hosts for a pass now, over Redis pub/sub (the
/// channel <c>POST /v1/reconcile</c> uses), so it needs no admin key. Only owners of shards listen, so the
/// number of receivers says whether an owner took the request. Exits 5 when none did.
/// </summary>
public static class ReconcileCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var host = new Option<Guid?>("--host") { Description = "Only this host (default: every host)", CustomParser = IdArgument.OptionalParser("host") };
        var command = new Command("reconcile", "Ask the replicas that own shards of hosts for a pass now (each host's owner runs it)") { host };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var hostId = parsed.GetValue(host);
            var heard = await session.Get<ReconcileRequests>().RequestAsync(hostId);
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { host = hostId, owner_heard = heard > 0, listeners = heard });
            }
            else
            {
                output.Line(heard == 0
                    ? "no replica runs the HostMonitor at the moment: nothing will run the pass (is the control plane up? is Postgres? is Lifecycle:HostMonitor:Enabled true?); a replica runs a pass when it takes hosts"
                    : $"asked for a pass over {(hostId is null ? "every host" : $"host {hostId}")}; {Number(heard)} replica(s) owning shards of hosts took it");
            }
            return heard == 0 ? ExitCodes.NobodyListening : ExitCodes.Ok;
        }));
        return command;
    }
}
