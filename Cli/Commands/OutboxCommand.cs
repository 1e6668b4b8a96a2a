using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Contract.Text;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>outbox</c>: per partition, the events recorded and not yet seen on the stream by the appliers, how many of them are
/// not on the stream yet, and how long the oldest of those has waited. Reads Postgres alone, so it answers while Redis
/// is away (when the numbers grow). Exits 1 past <c>--max-unsent-age</c>.
/// </summary>
public static class OutboxCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var maxUnsentAge = new Option<TimeSpan?>("--max-unsent-age")
        {
            Description = "Exit 1 when an event has waited longer than this to reach the stream (e.g. 30s)",
            CustomParser = r => DurationOption.Parse(r),
        };
        var command = new Command("outbox", "Events recorded and not yet applied from the stream, and those not on the stream yet, per partition")
        {
            maxUnsentAge,
        };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var states = await session.Get<OutboxStore>().StateByPartitionAsync(ct);
            var byPartition = states.ToDictionary(s => s.Partition);
            var view = session.Keys.Partitions
                .Select(p => byPartition.GetValueOrDefault(p.Index) ?? new OutboxPartitionState(p.Index, 0, 0, 0))
                .Select(s => new { partition = s.Partition, pending = s.Unsent + s.OnStream, unsent = s.Unsent, oldest_unsent_age_seconds = s.OldestUnsentAgeSeconds })
                .ToList();
            var limit = parsed.GetValue(maxUnsentAge);
            var problems = limit is { } bound
                ? view.Where(v => v.oldest_unsent_age_seconds > bound.TotalSeconds)
                    .Select(v => $"partition {v.partition}: an event has waited {Durations.Format(TimeSpan.FromSeconds(v.oldest_unsent_age_seconds))} to reach the stream > --max-unsent-age {Durations.Format(bound)}")
                    .ToList()
                : [];
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { partitions = view, healthy = problems.Count == 0, problems });
            }
            else
            {
                output.Table(["PARTITION", "PENDING", "UNSENT", "OLDEST UNSENT"], view.Select(v => new[]
                {
                    Number(v.partition), Number(v.pending), Number(v.unsent),
                    v.unsent == 0 ? "-" : Durations.Format(TimeSpan.FromSeconds(v.oldest_unsent_age_seconds)),
                }));
                foreach (var problem in problems)
                {
                    output.Line($"UNHEALTHY: {problem}");
                }
            }
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Unhealthy;
        }));
        return command;
    }
}
