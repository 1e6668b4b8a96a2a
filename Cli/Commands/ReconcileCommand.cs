using System.CommandLine;
using Lifecycle.Core.Streams;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>reconcile</c>: asks the HostMonitor's leader for a pass now, over Redis pub/sub (the channel
/// <c>POST /v1/reconcile</c> uses), so it needs no admin key. Exits 5 when no replica heard it.
/// </summary>
public static class ReconcileCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var host = new Option<Guid?>("--host") { Description = "Only this host (default: every host)" };
        var command = new Command("reconcile", "Ask the HostMonitor's leader for a pass now") { host };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var hostId = parsed.GetValue(host);
            var heard = await session.Get<ReconcileRequests>().RequestAsync(hostId).ConfigureAwait(false);
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { host = hostId, replicas_listening = heard });
            }
            else
            {
                output.Line(heard == 0
                    ? "no control plane with a HostMonitor is listening: nothing will run the pass (is the control plane up? is Lifecycle:HostMonitor:Enabled true?)"
                    : $"asked for a pass over {(hostId is null ? "every host" : $"host {hostId}")}; {heard} replica(s) heard it, the leader runs it");
            }
            return heard == 0 ? ExitCodes.NobodyListening : ExitCodes.Ok;
        }));
        return command;
    }
}
