using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using StackExchange.Redis;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary>
/// <c>sandbox ID</c>: the row (whatever its team), its history from Postgres, its events in the outbox not yet seen by
/// the appliers, and its entries still on the streams. While Redis is away it says so and shows the rest.
/// </summary>
public static class SandboxCommand
{
    private const int PageSize = 1000;

    public static Command Create(LifecycleCtl.Runner runner)
    {
        var id = new Argument<Guid>("id") { Description = "The sandbox id (a UUID)", CustomParser = IdArgument.Parser("sandbox") };
        var scan = new Option<int>("--scan")
        {
            Description = "How many of the newest stream entries to search for this sandbox's events",
            DefaultValueFactory = _ => 100_000,
        };
        var command = new Command("sandbox", "One sandbox: its row, its full history, and its entries still on the stream or dead-lettered") { id, scan };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var sandboxId = parsed.GetValue(id);
            var limit = parsed.GetValue(scan);
            var row = await session.Get<SandboxStore>().GetAnyTeamAsync(sandboxId, ct);
            var history = await session.Get<TransitionHistoryStore>().ForSandboxAsync(sandboxId, ct);
            var outbox = await session.Get<OutboxStore>().ForSandboxesAsync([sandboxId], ct);
            // All of a sandbox's events are on one partition.
            var partition = session.Keys.For(sandboxId);
            List<EventView> onStream = [], dead = [];
            string? redisAway = null;
            try
            {
                onStream = await ScanAsync(session.Redis, partition.Events, sandboxId, limit);
                dead = await ScanAsync(session.Redis, partition.DeadLetters, sandboxId, limit);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                redisAway = ex.Message;
            }
            Render(session.Output, new SandboxStory(sandboxId, row, history, outbox, onStream, dead, redisAway), session.Clock.GetUtcNow());
            return row is null ? ExitCodes.NotFound : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The sandbox's entries among the newest <paramref name="limit"/>, oldest first.</summary>
    private static async Task<List<EventView>> ScanAsync(IDatabase db, string key, Guid sandboxId, int limit)
    {
        var wanted = sandboxId.ToString();
        var found = new List<EventView>();
        RedisValue before = "+";
        for (var scanned = 0; scanned < limit;)
        {
            var page = await db.StreamRangeAsync(key, "-", before, Math.Min(PageSize, limit - scanned), Order.Descending);
            if (page.Length == 0)
            {
                break;
            }
            scanned += page.Length;
            found.AddRange(page.Where(e => e[StreamFields.SandboxId] == wanted).Select(EventView.Of));
            before = $"({page[^1].Id}";
        }
        found.Reverse();
        return found;
    }

    /// <summary>What the command found; <see cref="RedisAway"/> is why the streams could not be read, if they could not.</summary>
    private sealed record SandboxStory(
        Guid Id, SandboxRow? Row, IReadOnlyList<TransitionRow> History, IReadOnlyList<OutboxEntry> Outbox,
        List<EventView> OnStream, List<EventView> Dead, string? RedisAway);

    private static void Render(Output output, SandboxStory story, DateTimeOffset now)
    {
        var (id, row, history, outbox, onStream, dead, redisAway) = story;
        if (output.Json)
        {
            output.WriteJson(new
            {
                id,
                sandbox = row,
                history,
                outbox = outbox.Select(e => new { e.Seq, e.EventId, e.Type, e.StreamId }),
                on_stream = onStream,
                dead_letters = dead,
                redis_unreachable = redisAway,
            });
            return;
        }
        if (row is null)
        {
            output.Line($"sandbox {id}: no such row in Postgres");
        }
        else
        {
            output.Table(["SANDBOX", "STATUS", "VERSION", "STOP REASON", "TEAM", "HOST", "UPDATED", "EXPIRES", "DEADLINE", "LAST ERROR"],
            [
                [
                    row.Id.ToString(), row.Status.ToWire(), Number(row.Version), row.StopReason, row.TeamId.ToString(), row.HostId?.ToString(),
                    $"{Time(row.UpdatedAt)} ({Age(row.UpdatedAt, now)} ago)", Time(row.ExpiresAt), Time(row.OperationDeadline), row.LastError,
                ],
            ]);
        }
        Section(output, $"History ({history.Count} transitions, from Postgres):", ["VERSION", "AT", "TYPE", "FROM→TO", "ACTOR", "REASON/ERROR", "STOP REASON", "EVENT"],
            history.Select(h => new[]
            {
                Number(h.Version), Time(h.At), h.Type, $"{h.FromStatus.ToWire() ?? "(new)"}→{h.ToStatus.ToWire()}", h.Actor, h.Error ?? h.Reason, h.StopReason, h.EventId.ToString(),
            }));
        if (outbox.Count > 0)
        {
            Section(output, $"In the outbox ({outbox.Count} recorded, not yet seen on the stream by the appliers):", ["SEQ", "TYPE", "FROM→TO", "VERSION", "ON THE STREAM AS", "EVENT"],
                outbox.Select(e => new[] { Number(e.Seq), e.Type, $"{e.Field(StreamFields.From) ?? "(new)"}→{e.Field(StreamFields.To)}", e.Field(StreamFields.Version), e.StreamId ?? "not yet", e.EventId.ToString() }));
        }
        if (redisAway is not null)
        {
            output.Line();
            output.Line($"The streams could not be read: Redis is unreachable ({redisAway}).");
            return;
        }
        Section(output, $"On the events stream ({onStream.Count} entries):", EventView.Headers, onStream.Select(e => e.Row()));
        if (dead.Count > 0)
        {
            Section(output, $"Dead-lettered ({dead.Count}; see 'lifecyclectl dead'):", EventView.Headers, dead.Select(e => e.Row()));
        }
    }

    private static void Section(Output output, string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        output.Line();
        output.Line(title);
        var list = rows.ToList();
        if (list.Count > 0)
        {
            output.Table(headers, list);
        }
    }
}
