using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary><c>pending</c>: entries delivered to the appliers and not yet acknowledged (<c>XPENDING</c> on every partition), with what they are.</summary>
public static class PendingCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var consumer = new Option<string?>("--consumer") { Description = "Only entries held by this consumer" };
        var minIdle = new Option<TimeSpan?>("--min-idle")
        {
            Description = "Only entries idle at least this long (e.g. 30s): the ones a consumer is stuck on",
            CustomParser = r => DurationOption.Parse(r),
        };
        var limit = new Option<int>("--limit") { Description = "At most this many entries, oldest first", DefaultValueFactory = _ => 100 };
        var command = new Command("pending", "Pending entries of the appliers group, with idle time and delivery count") { consumer, minIdle, limit };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var db = session.Redis;
            var count = parsed.GetValue(limit);
            var now = session.Clock.GetUtcNow();
            var pages = await Task.WhenAll(session.Keys.Partitions.Select(p =>
                PendingOfAsync(db, p, session.Keys.Partitions.Count, count, parsed.GetValue(consumer), parsed.GetValue(minIdle), now)));
            // Oldest first across partitions: an entry id is its time.
            var entries = pages.SelectMany(page => page).OrderBy(e => StreamIds.Parse(e.Id[(e.Id.IndexOf('/', StringComparison.Ordinal) + 1)..])).Take(count).ToList();

            var output = session.Output;
            if (output.Json)
            {
                output.WriteJson(new { group = StreamKeys.ApplierGroup, entries });
            }
            else if (entries.Count == 0)
            {
                output.Line("nothing pending");
            }
            else
            {
                output.Table(["ENTRY", "CONSUMER", "IDLE", "DELIVERIES", "AGE", "TYPE", "SANDBOX"], entries.Select(e => new[]
                {
                    e.Id, e.Consumer, Age(e.IdleMs), Number(e.Deliveries), Age(e.AgeMs),
                    e.Trimmed ? "(trimmed)" : e.Type, e.SandboxId,
                }));
            }
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static async Task<List<PendingView>> PendingOfAsync(
        IDatabase db, PartitionKeys partition, int partitions, int limit, string? consumer, TimeSpan? minIdle, DateTimeOffset now)
    {
        var events = partition.Events;
        StreamPendingMessageInfo[] pending;
        try
        {
            pending = await db.StreamPendingMessagesAsync(events, StreamKeys.ApplierGroup, limit,
                consumer ?? RedisValue.Null, minId: null, maxId: null,
                minIdleTimeInMs: minIdle is { } idle ? (long)idle.TotalMilliseconds : null);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            // A partition no event has reached yet has no stream, hence no group: nothing is pending on it.
            return [];
        }
        // What each entry is, read in one pipelined batch.
        var batch = db.CreateBatch();
        var reads = pending.Select(p => batch.StreamRangeAsync(events, p.MessageId, p.MessageId, count: 1)).ToList();
        batch.Execute();
        await Task.WhenAll(reads);
        return [.. pending.Select((p, i) =>
        {
            var found = reads[i].Result;
            var view = found.Length > 0 ? EventView.Of(found[0]) : null;
            var id = p.MessageId.ToString();
            return new PendingView(new EntryRef(partition.Index, id).Format(partitions), p.ConsumerName.ToString(), p.IdleTimeInMilliseconds, p.DeliveryCount,
                AgeMs(id, now), view?.Type, view?.SandboxId, found.Length == 0);
        })];
    }

    /// <summary>One pending entry; <paramref name="Trimmed"/> when the entry is no longer on the stream.</summary>
    public sealed record PendingView(
        string Id, string Consumer, long IdleMs, long Deliveries, long AgeMs, string? Type, string? SandboxId, bool Trimmed);
}
