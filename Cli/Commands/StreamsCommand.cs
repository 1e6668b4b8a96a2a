using System.CommandLine;
using Lifecycle.Cli.Rendering;
using Lifecycle.Contract.Text;
using Lifecycle.Infrastructure.Streams;
using static Lifecycle.Cli.Rendering.Cells;

namespace Lifecycle.Cli.Commands;

/// <summary><c>streams</c>: per stream (every partition's events and dead letters) its length, ends and their age, groups, consumers, pending and lag.</summary>
public static class StreamsCommand
{
    public static Command Create(LifecycleCtl.Runner runner)
    {
        var maxLag = new Option<long?>("--max-lag") { Description = "Exit 1 when a group's lag (entries not yet delivered) exceeds this" };
        var maxPending = new Option<long?>("--max-pending") { Description = "Exit 1 when a group has more pending entries than this" };
        var maxPendingAge = new Option<TimeSpan?>("--max-pending-age")
        {
            Description = "Exit 1 when a group's oldest pending entry is older than this (e.g. 1m)",
            CustomParser = r => DurationOption.Parse(r),
        };
        var maxDead = new Option<long?>("--max-dead") { Description = "Exit 1 when the dead-letter stream holds more entries than this" };
        var command = new Command("streams", "Length, first/last entry and their age, groups, consumers with idle time, pending, lag, oldest pending")
        {
            maxLag, maxPending, maxPendingAge, maxDead,
        };
        command.SetAction((parsed, ct) => runner.RunAsync(parsed, async session =>
        {
            var reports = await session.Get<StreamInspector>().InspectAllAsync();
            var now = session.Clock.GetUtcNow();
            var view = reports.Select(r => StreamView.Of(r, now)).ToList();
            var problems = Problems(view, session.Keys, parsed.GetValue(maxLag), parsed.GetValue(maxPending), parsed.GetValue(maxPendingAge), parsed.GetValue(maxDead)).ToList();
            Render(session.Output, view, problems);
            return problems.Count == 0 ? ExitCodes.Ok : ExitCodes.Unhealthy;
        }));
        return command;
    }

    private static IEnumerable<string> Problems(
        List<StreamView> streams, StreamKeys keys, long? maxLag, long? maxPending, TimeSpan? maxPendingAge, long? maxDead)
    {
        var eventStreams = keys.Partitions.Select(p => p.Events).ToHashSet(StringComparer.Ordinal);
        var partitionOf = keys.Partitions.ToDictionary(p => p.Events, p => keys.Partitions.Count == 1 ? "" : $"{p.Name} ", StringComparer.Ordinal);
        foreach (var (stream, group) in streams.Where(s => eventStreams.Contains(s.Key)).SelectMany(s => s.Groups.Select(g => (partitionOf[s.Key], g))))
        {
            if (maxLag is { } lagLimit && (group.Lag ?? 0) > lagLimit)
            {
                yield return $"{stream}group {group.Name}: lag {group.Lag} > --max-lag {lagLimit}";
            }
            if (maxLag is not null && group.Lag is null)
            {
                yield return $"{stream}group {group.Name}: Redis cannot tell the lag (entries were deleted mid-stream); check last-delivered-id against the last entry";
            }
            if (maxPending is { } pendingLimit && group.Pending > pendingLimit)
            {
                yield return $"{stream}group {group.Name}: {group.Pending} pending > --max-pending {pendingLimit}";
            }
            if (maxPendingAge is { } ageLimit && group.OldestPendingAgeMs is { } age && age > ageLimit.TotalMilliseconds)
            {
                yield return $"{stream}group {group.Name}: oldest pending entry is {Durations.Format(age)} old > --max-pending-age {Durations.Format(ageLimit)}";
            }
        }
        var deadStreams = keys.Partitions.Select(p => p.DeadLetters).ToHashSet(StringComparer.Ordinal);
        var dead = streams.Where(s => deadStreams.Contains(s.Key)).Sum(s => s.Length);
        if (maxDead is { } deadLimit && dead > deadLimit)
        {
            yield return $"{dead} dead letters > --max-dead {deadLimit}";
        }
    }

    private static void Render(Output output, List<StreamView> streams, List<string> problems)
    {
        if (output.Json)
        {
            output.WriteJson(new { streams, healthy = problems.Count == 0, problems });
            return;
        }
        output.Table(["STREAM", "LENGTH", "FIRST", "FIRST AGE", "LAST", "LAST AGE", "GROUPS"], streams.Select(s => new[]
        {
            s.Key, Number(s.Length), s.FirstId, Age(s.FirstAgeMs),
            s.LastId, Age(s.LastAgeMs), Number(s.Groups.Count),
        }));
        var groups = streams.SelectMany(s => s.Groups.Select(g => (Stream: s.Key, Group: g))).ToList();
        if (groups.Count > 0)
        {
            output.Line();
            output.Table(["STREAM", "GROUP", "CONSUMERS", "PENDING", "LAG", "LAST DELIVERED", "OLDEST PENDING AGE"], groups.Select(g => new[]
            {
                g.Stream, g.Group.Name, Number(g.Group.Consumers.Count),
                Number(g.Group.Pending),
                Number(g.Group.Lag) ?? "unknown",
                g.Group.LastDeliveredId, Age(g.Group.OldestPendingAgeMs),
            }));
            var consumers = groups.SelectMany(g => g.Group.Consumers.Select(c => (g.Group.Name, Consumer: c))).ToList();
            if (consumers.Count > 0)
            {
                output.Line();
                output.Table(["GROUP", "CONSUMER", "PENDING", "IDLE"], consumers.Select(c => new[]
                {
                    c.Name, c.Consumer.Name, Number(c.Consumer.Pending), Durations.Format(c.Consumer.IdleMs),
                }));
            }
        }
        foreach (var problem in problems)
        {
            output.Line($"UNHEALTHY: {problem}");
        }
    }

    /// <summary>A <see cref="StreamReport"/> with ages worked out, as printed.</summary>
    public sealed record StreamView(
        string Key, long Length, string? FirstId, DateTimeOffset? FirstAt, long? FirstAgeMs,
        string? LastId, DateTimeOffset? LastAt, long? LastAgeMs, IReadOnlyList<GroupView> Groups)
    {
        public static StreamView Of(StreamReport report, DateTimeOffset now)
        {
            var firstAt = At(report.FirstId);
            var lastAt = At(report.LastId);
            return new StreamView(report.Key, report.Length, report.FirstId, firstAt, AgeMs(firstAt, now),
                report.LastId, lastAt, AgeMs(lastAt, now),
                [.. report.Groups.Select(g => new GroupView(g.Name, g.Pending, g.Lag, g.LastDeliveredId, g.OldestPendingId,
                    AgeMs(At(g.OldestPendingId), now), g.Consumers))]);
        }
    }

    public sealed record GroupView(
        string Name, long Pending, long? Lag, string? LastDeliveredId, string? OldestPendingId, long? OldestPendingAgeMs,
        IReadOnlyList<ConsumerReport> Consumers);

    private static DateTimeOffset? At(string? id) => id is null ? null : StreamIds.TimeOf(id);
}
