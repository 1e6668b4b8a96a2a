using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// This replica's member of one partition's <c>appliers</c> consumer group, run while the replica owns
/// the partition. On taking the partition it first claims every entry pending on any consumer (the
/// previous owner's, idle or not: XAUTOCLAIM with no idle wait), then reads on. StackExchange.Redis has
/// no blocking XREADGROUP (it would stall the shared multiplexer), so an idle consumer waits for a
/// pub/sub wake-up from the publisher or a short poll interval, whichever comes first.
/// </summary>
public sealed partial class PartitionConsumer(
    PartitionKeys partition,
    string consumer,
    WakeSignal wake,
    IConnectionMultiplexer redis,
    BatchApplier applier,
    StreamMaintenance maintenance,
    TimeProvider clock,
    ApplierOptions options,
    ILogger<PartitionConsumer> logger)
{
    private readonly ApplierOptions _options = options;
    private readonly string _consumer = consumer;
    private DateTimeOffset _nextMaintenance;
    private DateTimeOffset _lastOutageLog = DateTimeOffset.MinValue;
    private int _failuresSinceLog;
    private (StreamEntry[] Entries, IReadOnlyDictionary<string, long>? Deliveries)? _inHand;

    /// <summary>Applies the partition's events until <paramref name="stoppingToken"/> ends ownership; the batch in hand is finished first.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        LogStarted(_consumer, partition.Events);
        // What the previous owner was handed and never acknowledged comes first ("0" after the claim
        // reads this consumer's own pending entries), then new entries (">").
        var takeOver = true;
        var readOwnPending = true;
        // While one batch applies, the next is already being read: Redis and Postgres work at once.
        Task<StreamEntry[]>? prefetched = null;
        var groupMissing = true;
        var backoff = _options.InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (groupMissing)
                {
                    await EnsureGroupAsync();
                    groupMissing = false;
                }
                if (_inHand is { } retry)
                {
                    await ApplyInHandAsync(retry.Entries, retry.Deliveries);
                }
                if (takeOver)
                {
                    await ClaimAsync(TimeSpan.Zero, stoppingToken);
                    takeOver = false;
                }
                if (clock.GetUtcNow() >= _nextMaintenance)
                {
                    await ClaimAsync(_options.ClaimMinIdle, stoppingToken);
                    await maintenance.TrimAsync(partition);
                    await maintenance.RemoveIdleConsumersAsync(partition, _consumer);
                    _nextMaintenance = clock.GetUtcNow() + _options.MaintenanceInterval;
                }
                var entries = await (prefetched ?? ReadAsync(readOwnPending ? "0" : ">"));
                prefetched = null;
                if (entries.Length == 0)
                {
                    if (!readOwnPending)
                    {
                        await wake.WaitAsync(_options.PollInterval, stoppingToken);
                    }
                    readOwnPending = false;
                    continue;
                }
                var deliveries = readOwnPending ? await DeliveriesAsync(entries) : null;
                if (!readOwnPending)
                {
                    prefetched = ReadAsync(">");
                }
                await ApplyInHandAsync(entries, deliveries);
                backoff = _options.InitialBackoff;
                RecoveredFromOutage();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or group was deleted under us (an operator's reset, a Redis restart without persistence).
                LogGroupRecreated(ex.Message);
                _inHand = null;
                prefetched = null;
                groupMissing = true;
            }
            catch (Exception ex)
            {
                await HoldPrefetchedAsync(prefetched);
                prefetched = null;
                LogOutage(ex, backoff);
                await Task.Delay(Jitter(backoff), stoppingToken);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }

        // Shutting down: what was read ahead is applied and acknowledged too, within the grace time.
        await HoldPrefetchedAsync(prefetched);
        if (_inHand is { } last)
        {
            try
            {
                await ApplyInHandAsync(last.Entries, last.Deliveries);
            }
            catch (Exception ex)
            {
                // Left pending: another consumer reclaims it.
                LogOutage(ex, TimeSpan.Zero);
            }
        }
    }

    private Task<StreamEntry[]> ReadAsync(string position) =>
        redis.GetDatabase().StreamReadGroupAsync(partition.Events, StreamKeys.ApplierGroup, _consumer, position, _options.BatchSize);

    /// <summary>
    /// A batch read ahead is ours (pending on this consumer) whether or not its read was awaited:
    /// it joins the batch in hand, so it is retried with it rather than left for a reclaim.
    /// </summary>
    private async Task HoldPrefetchedAsync(Task<StreamEntry[]>? prefetched)
    {
        if (prefetched is null)
        {
            return;
        }
        try
        {
            var entries = await prefetched;
            if (entries.Length > 0)
            {
                _inHand = _inHand is { } held ? ([.. held.Entries, .. entries], held.Deliveries) : (entries, null);
            }
        }
        catch (Exception)
        {
            // The read failed, so nothing was delivered (its error was or will be reported by the loop).
        }
    }

    /// <summary>
    /// Claims entries pending on any consumer for at least <paramref name="minIdle"/> and applies them;
    /// XAUTOCLAIM is followed until its cursor is 0-0. On taking the partition over, with no idle wait:
    /// the previous owner is gone or handing over, and what it held must not wait. Afterwards, now and
    /// then, with <see cref="ApplierOptions.ClaimMinIdle"/>: entries of a consumer that died after a read
    /// that raced the takeover.
    /// </summary>
    private async Task ClaimAsync(TimeSpan minIdle, CancellationToken stoppingToken)
    {
        var db = redis.GetDatabase();
        RedisValue cursor = "0-0";
        do
        {
            var claim = await db.StreamAutoClaimAsync(partition.Events, StreamKeys.ApplierGroup, _consumer,
                (long)minIdle.TotalMilliseconds, cursor, _options.BatchSize);
            if (claim.DeletedIds.Length > 0)
            {
                await applier.DeadLetterTrimmedAsync(partition, claim.DeletedIds, _consumer);
            }
            if (claim.ClaimedEntries.Length > 0)
            {
                LogClaimed(claim.ClaimedEntries.Length);
                await ApplyInHandAsync(claim.ClaimedEntries, await DeliveriesAsync(claim.ClaimedEntries));
            }
            cursor = claim.NextStartId;
        }
        while (cursor != "0-0" && !stoppingToken.IsCancellationRequested);
    }

    /// <summary>Delivery counts of entries this consumer holds, in one XPENDING call.</summary>
    private async Task<Dictionary<string, long>> DeliveriesAsync(StreamEntry[] entries)
    {
        var pending = await redis.GetDatabase().StreamPendingMessagesAsync(partition.Events, StreamKeys.ApplierGroup,
            entries.Length, _consumer, entries[0].Id, entries[^1].Id);
        return pending.ToDictionary(p => p.MessageId.ToString(), p => (long)p.DeliveryCount);
    }

    /// <summary>
    /// The batch in hand is finished even when shutdown begins: committed and acknowledged, or
    /// neither. One whose apply fails stays in hand and is retried as it is, not read again:
    /// re-reading counts as another delivery, and an outage must never push entries into the dead letters.
    /// </summary>
    private async Task ApplyInHandAsync(StreamEntry[] entries, IReadOnlyDictionary<string, long>? deliveries)
    {
        _inHand = (entries, deliveries);
        using var grace = new CancellationTokenSource(_options.ShutdownGrace);
        await applier.ApplyAsync(partition, entries, deliveries, _consumer, grace.Token);
        _inHand = null;
    }

    private async Task EnsureGroupAsync()
    {
        try
        {
            // From id 0 with MKSTREAM: events published before the group existed are applied too.
            await redis.GetDatabase()
                .StreamCreateConsumerGroupAsync(partition.Events, StreamKeys.ApplierGroup, "0", createStream: true);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another process made it first.
        }
    }

    /// <summary>An outage is logged once per interval, with how many attempts failed since, not once per attempt.</summary>
    private void LogOutage(Exception ex, TimeSpan backoff)
    {
        _failuresSinceLog++;
        var now = clock.GetUtcNow();
        if (now - _lastOutageLog >= _options.OutageLogInterval)
        {
            LogIterationFailed(ex, _failuresSinceLog, backoff);
            _lastOutageLog = now;
            _failuresSinceLog = 0;
        }
    }

    private void RecoveredFromOutage()
    {
        if (_lastOutageLog != DateTimeOffset.MinValue)
        {
            LogRecovered(_failuresSinceLog);
            _lastOutageLog = DateTimeOffset.MinValue;
            _failuresSinceLog = 0;
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.5 + Random.Shared.NextDouble() / 2);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer} applying {Stream}: this replica owns the partition")]
    private partial void LogStarted(string consumer, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer group missing ({Error}); recreating it")]
    private partial void LogGroupRecreated(string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Claimed {Count} entries pending on other consumers")]
    private partial void LogClaimed(int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying events failed ({Failures} attempts since the last report); retrying in {Backoff}")]
    private partial void LogIterationFailed(Exception ex, int failures, TimeSpan backoff);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying events again after {Failures} more failed attempts")]
    private partial void LogRecovered(int failures);
}
