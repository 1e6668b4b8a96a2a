using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Text;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary><c>stuck</c>: sandboxes in a transient state or <c>missing</c> for longer than a threshold. Exits 1 when there are any.</summary>
public static class StuckCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var olderThan = new Option<TimeSpan>("--older-than")
        {
            Description = "How long a sandbox may stay unsettled before it counts as stuck (e.g. 5m)",
            DefaultValueFactory = _ => TimeSpan.FromMinutes(5),
            CustomParser = r => DurationOption.Parse(r),
        };
        var limit = new Option<int>("--limit") { Description = "At most this many, longest-stuck first", DefaultValueFactory = _ => 100 };
        var command = new Command("stuck", "Sandboxes in a transient state or missing for longer than --older-than") { olderThan, limit };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var threshold = parsed.GetValue(olderThan);
            var now = session.Clock.GetUtcNow();
            var rows = await session.Get<SandboxStore>().StuckAsync(threshold, parsed.GetValue(limit), ct);
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { older_than_seconds = threshold.TotalSeconds, sandboxes = rows });
            }
            else if (rows.Count == 0)
            {
                output.Line($"no sandbox has been transient or missing for more than {Durations.Format(threshold)}");
            }
            else
            {
                output.Table(["SANDBOX", "STATUS", "FOR", "HOST", "TEAM", "DEADLINE", "LAST ERROR"], rows.Select(r => new[]
                {
                    r.Id.ToString(), r.Status.ToWire(), Age(r.UpdatedAt, now), r.HostId?.ToString(), r.TeamId.ToString(), Time(r.OperationDeadline), r.LastError,
                }));
            }
            return rows.Count == 0 ? ExitCodes.Ok : ExitCodes.Unhealthy;
        }));
        return command;
    }
}
