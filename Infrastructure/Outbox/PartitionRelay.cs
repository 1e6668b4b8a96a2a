using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// One partition's relay, run while this replica owns the partition (beside its consumer, under the same lease). It
/// appends the partition's recorded events that are not on the stream yet and are older than
/// <see cref="OutboxOptions.AtOnceGrace"/> (the at-once sender's failures, a dead replica's, a whole Redis outage's),
/// in recorded order, at most one per sandbox per round; and it looks on the stream for events the appliers have not
/// seen after <see cref="OutboxOptions.RecheckAfter"/>: one Redis lost (a crash with <c>appendfsync everysec</c>, a
/// failover) is sent again. Duplicates are harmless: the appliers drop an event seen before (the version fence, and
/// history's one row per event id).
/// </summary>
public sealed partial class PartitionRelay(
    PartitionKeys partition,
    OutboxStore store,
    EventPublisher publisher,
    OutboxCounters counters,
    OutboxOptions options,
    ILogger<PartitionRelay> logger)
{
    private DateTimeOffset _lastOutageLog = DateTimeOffset.MinValue;

    /// <summary>The last time a pass completed (sent, checked, or found nothing to do): its progress.</summary>
    public DateTimeOffset LastProgress { get; private set; } = DateTimeOffset.UtcNow;

    public async Task RunAsync(CancellationToken owned)
    {
        var backoff = TimeSpan.FromMilliseconds(100);
        while (!owned.IsCancellationRequested)
        {
            try
            {
                var (unsent, toRecheck) = await store.DueAsync(partition.Index, options.AtOnceGrace, options.RecheckAfter, options.BatchSize, owned);
                var busy = await SendUnsentAsync(unsent, owned) | await RecheckAsync(toRecheck, owned);
                LastProgress = DateTimeOffset.UtcNow;
                backoff = TimeSpan.FromMilliseconds(100);
                if (!busy)
                {
                    await Task.Delay(options.RelayInterval, owned);
                }
            }
            catch (OperationCanceledException) when (owned.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                // An outage (Redis or Postgres away, Redis out of memory) most of all; anything else is a bug, and the
                // relay must outlive it too: what it did not send is still in the outbox for its next try.
                LogOutage(ex.GetType().Name, ex.Message);
                try
                {
                    await Task.Delay(backoff, owned);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, options.MaxBackoff.Ticks));
            }
        }
    }

    /// <summary>Appends one batch of unsent events; true when there was a batch (there may be more).</summary>
    private async Task<bool> SendUnsentAsync(IReadOnlyList<OutboxEntry> unsent, CancellationToken ct)
    {
        if (unsent.Count == 0)
        {
            return false;
        }
        IReadOnlyList<OutboxEntry> rest = unsent;
        while (rest.Count > 0)
        {
            var (round, later) = Rounds.Split(rest);
            var ids = await publisher.AppendAsync(round);
            var sent = round.Select((entry, i) => (entry.EventId, StreamId: ids[i])).Where(s => s.StreamId is not null)
                .Select(s => (s.EventId, s.StreamId!)).ToList();
            if (sent.Count > 0)
            {
                await store.MarkSentAsync(sent, ct);
                counters.Sent(OutboxCounters.Paths.Relay, sent.Count);
            }
            if (sent.Count < round.Count)
            {
                // Redis refuses (out of memory, going away): stop here, so no later event of a sandbox overtakes.
                throw new StackExchange.Redis.RedisException($"{round.Count - sent.Count} of {round.Count} appends failed");
            }
            rest = later;
        }
        LogRelayed(unsent.Count, partition.Index);
        return unsent.Count == options.BatchSize;
    }

    /// <summary>Looks for one batch of long-unapplied events on the stream; those gone are marked unsent, to go again.</summary>
    private async Task<bool> RecheckAsync(IReadOnlyList<OutboxEntry> waiting, CancellationToken ct)
    {
        if (waiting.Count == 0)
        {
            return false;
        }
        var found = await publisher.OnStreamAsync(waiting);
        var lost = waiting.Where((_, i) => !found[i]).Select(e => e.EventId).ToList();
        var present = waiting.Where((_, i) => found[i]).Select(e => e.EventId).ToList();
        if (present.Count > 0)
        {
            await store.SeenOnStreamAsync(present, ct);
        }
        if (lost.Count > 0)
        {
            await store.LostFromStreamAsync(lost, ct);
            counters.Lost(lost.Count);
            LogLost(lost.Count, partition.Index);
        }
        return lost.Count > 0 || waiting.Count == options.BatchSize;
    }

    private void LogOutage(string type, string message)
    {
        // Once per half minute, not once per try.
        if (DateTimeOffset.UtcNow - _lastOutageLog > TimeSpan.FromSeconds(30))
        {
            _lastOutageLog = DateTimeOffset.UtcNow;
            LogRelayWaiting(partition.Index, type, message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed {Count} recorded event(s) to partition {Partition}")]
    private partial void LogRelayed(int count, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} event(s) of partition {Partition} were lost from the stream before being applied; sending them again")]
    private partial void LogLost(int count, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Relay of partition {Partition} waits: {ErrorType}: {Error}")]
    private partial void LogRelayWaiting(int partition, string errorType, string error);
}
