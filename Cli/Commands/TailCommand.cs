using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>tail</c>: prints events as they arrive. Polls with <c>XRANGE</c> from the last id seen (never a
/// blocking read, and no consumer group: tailing takes nothing from the appliers).
/// </summary>
public static class TailCommand
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    public static Command Create(LifecycleCtl.Runner runner)
    {
        var sandbox = new Option<Guid?>("--sandbox") { Description = "Only this sandbox's events", CustomParser = IdArgument.OptionalParser("sandbox") };
        var type = new Option<string?>("--type") { Description = "Only events of this type, e.g. pause.failed" };
        var since = new Option<TimeSpan?>("--since")
        {
            Description = "Start this far back (e.g. 10m) instead of at the end of the stream",
            CustomParser = r => DurationOption.Parse(r),
        };
        var count = new Option<int?>("--count") { Description = "Stop after this many matching events (default: run until Ctrl-C)" };
        var command = new Command("tail", "Print events as they arrive on the events stream (every partition)") { sandbox, type, since, count };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var db = session.Redis;
            var sandboxId = parsed.GetValue(sandbox);
            var eventType = parsed.GetValue(type);
            var remaining = parsed.GetValue(count) ?? int.MaxValue;
            // One sandbox's events are all on its partition; otherwise every partition is read.
            var partitions = sandboxId is { } one ? [session.Keys.For(one)] : session.Keys.Partitions;
            // The first read starts at --since (inclusive) or after the last entry; later ones after the last seen.
            var next = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var partition in partitions)
            {
                next[partition.Events] = parsed.GetValue(since) is { } back
                    ? StreamIds.AtTime(session.Clock.GetUtcNow() - back)
                    : await AfterLastAsync(db, partition.Events);
            }
            var output = session.Output;
            if (!output.Json)
            {
                output.Line(EventView.HeaderLine);
            }
            var wanted = sandboxId?.ToString();
            while (remaining > 0 && !ct.IsCancellationRequested)
            {
                var reads = await Task.WhenAll(partitions.Select(async p => (p.Events, Entries: await db.StreamRangeAsync(p.Events, next[p.Events], "+", count: 500))));
                foreach (var (key, entries) in reads.Where(r => r.Entries.Length > 0))
                {
                    next[key] = $"({entries[^1].Id}";
                }
                // Merged in time order: an entry id is its time.
                foreach (var entry in reads.SelectMany(r => r.Entries).OrderBy(e => StreamIds.Parse(e.Id.ToString())))
                {
                    var view = EventView.Of(entry);
                    if ((wanted is null || view.SandboxId == wanted) && (eventType is null || view.Type == eventType) && remaining-- > 0)
                    {
                        Print(output, view);
                    }
                }
                if (reads.All(r => r.Entries.Length == 0))
                {
                    try
                    {
                        await Task.Delay(PollInterval, session.Clock, ct);
                    }
                    catch (OperationCanceledException)
                    {
                        break;
                    }
                }
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<string> AfterLastAsync(IDatabase db, string key)
    {
        var last = await db.StreamRangeAsync(key, "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length > 0 ? $"({last[0].Id}" : "-";
    }

    private static void Print(Output output, EventView view)
    {
        if (output.Json)
        {
            output.WriteJsonLine(view);
        }
        else
        {
            output.Line(view.Line());
        }
    }
}
