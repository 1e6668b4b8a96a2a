using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary><c>dead</c>: the dead-letter stream with reasons; <c>dead replay</c> puts letters back on the events stream.</summary>
public static class DeadCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var limit = new Option<int>("--limit") { Description = "At most this many letters, oldest first", DefaultValueFactory = _ => 100 };
        var command = new Command("dead", "Dead letters: entries that could not apply, with the reason") { limit };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var deadLetters = session.Get<DeadLetters>();
            var count = parsed.GetValue(limit);
            var pages = await Task.WhenAll(session.Keys.Partitions.Select(async p =>
                (await deadLetters.ListAsync(p, count)).Select(letter => (Partition: p.Index, Letter: letter))));
            var now = session.Clock.GetUtcNow();
            // Oldest first across partitions: an entry id is its time.
            var views = pages.SelectMany(page => page)
                .OrderBy(l => StreamIds.Parse(l.Letter.Id.ToString()))
                .Take(count)
                .Select(l => LetterView.Of(l.Partition, l.Letter, now, session.Keys.Partitions.Count)).ToList();
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { letters = views });
            }
            else if (views.Count == 0)
            {
                output.Line("no dead letters");
            }
            else
            {
                output.Table(["LETTER", "AGE", "REASON", "TYPE", "SANDBOX", "SOURCE ENTRY", "DELIVERIES", "CONSUMER"], views.Select(v => new[]
                {
                    v.Id, Age(v.AgeMs), v.Reason, v.Event.Type, v.Event.SandboxId, v.SourceId, Number(v.Deliveries), v.Consumer,
                }));
            }
            return ExitCodes.Ok;
        }));
        command.Subcommands.Add(ReplayCommand(runner));
        return command;
    }

    private static Command ReplayCommand(LifecycleCtl.Runner runner)
    {
        var id = new Argument<string?>("letter") { Description = "The dead letter, as 'lifecyclectl dead' shows it (p<N>/<id>)", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Replay every dead letter" };
        var command = new Command("replay", "Put dead letters back on the events stream (once their cause is fixed)") { id, all };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(id) is null) == !result.GetValue(all))
            {
                result.AddError("give either a letter id or --all");
            }
        });
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var deadLetters = session.Get<DeadLetters>();
            var keys = session.Keys;
            List<EntryRef> refs;
            if (parsed.GetValue(id) is { } one)
            {
                if (!EntryRef.TryParse(one, keys.Partitions.Count, out var entry, out var error))
                {
                    session.Output.Line(error);
                    return ExitCodes.Usage;
                }
                refs = [entry.Value];
            }
            else
            {
                refs = await AllRefsAsync(deadLetters, keys);
            }
            var results = new List<ReplayView>();
            foreach (var letter in refs)
            {
                var replay = await deadLetters.ReplayAsync(keys.Partition(letter.Partition), letter.Id);
                results.Add(new ReplayView(letter.Format(keys.Partitions.Count), replay.Outcome, replay.NewId is null ? null : new EntryRef(letter.Partition, replay.NewId).Format(keys.Partitions.Count)));
            }
            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { replayed = results });
            }
            else
            {
                foreach (var result in results)
                {
                    output.Line(result.Outcome switch
                    {
                        DeadLetters.ReplayOutcome.Replayed => $"{result.Letter}: replayed as {result.NewId}",
                        DeadLetters.ReplayOutcome.NotFound => $"{result.Letter}: no such dead letter",
                        _ => $"{result.Letter}: holds no event (it was trimmed while pending); left in place",
                    });
                }
                output.Line($"{results.Count(r => r.Outcome == DeadLetters.ReplayOutcome.Replayed)} of {results.Count} replayed");
            }
            return results.Any(r => r.Outcome == DeadLetters.ReplayOutcome.NotFound) ? ExitCodes.NotFound : ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<List<EntryRef>> AllRefsAsync(DeadLetters deadLetters, StreamKeys keys)
    {
        var refs = new List<EntryRef>();
        foreach (var partition in keys.Partitions)
        {
            string? after = null;
            while (true)
            {
                var page = await deadLetters.ListAsync(partition, 500, after);
                if (page.Length == 0)
                {
                    break;
                }
                refs.AddRange(page.Select(p => new EntryRef(partition.Index, p.Id.ToString())));
                after = refs[^1].Id;
            }
        }
        return refs;
    }

    public sealed record ReplayView(string Letter, DeadLetters.ReplayOutcome Outcome, string? NewId);

    /// <summary>A dead letter: why, where it came from, and the event it held.</summary>
    public sealed record LetterView(string Id, long AgeMs, string? Reason, string? SourceId, long Deliveries, string? Consumer, EventView Event)
    {
        public static LetterView Of(int partition, StreamEntry letter, DateTimeOffset now, int partitions)
        {
            string? Field(string name) => EventView.Field(letter, name);
            var id = letter.Id.ToString();
            return new LetterView(new EntryRef(partition, id).Format(partitions), Cells.AgeMs(id, now), Field(DeadLetters.ReasonField), Field(DeadLetters.SourceIdField),
                long.TryParse(Field(DeadLetters.DeliveriesField), out var n) ? n : 0, Field(DeadLetters.ConsumerField), EventView.Of(letter));
        }
    }
}
