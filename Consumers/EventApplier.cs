using Lifecycle.Core.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// This process's member of the <c>appliers</c> consumer group. StackExchange.Redis has no
/// blocking XREADGROUP (it would stall the shared multiplexer), so an idle consumer waits for a
/// pub/sub wake-up from the publisher or a short poll interval, whichever comes first.
/// </summary>
public sealed partial class EventApplier(
    IConnectionMultiplexer redis,
    StreamKeys keys,
    BatchApplier applier,
    IOptions<ApplierOptions> options,
    ILogger<EventApplier> logger) : BackgroundService
{
    private readonly ApplierOptions _options = options.Value;
    private readonly WakeSignal _wake = new();
    private readonly string _consumer = options.Value.ResolveName();

    public string ConsumerName => _consumer;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await EnsureGroupAsync().ConfigureAwait(false);
        await redis.GetSubscriber()
            .SubscribeAsync(RedisChannel.Literal(keys.WakeChannel), (_, _) => _wake.Set())
            .ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(_consumer, keys.Events);
        // A restarted consumer first finishes what it had been handed before ("0"), then takes new entries (">").
        var readOwnPending = true;
        var backoff = _options.InitialBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var entries = await redis.GetDatabase().StreamReadGroupAsync(
                    keys.Events, StreamKeys.ApplierGroup, _consumer, readOwnPending ? "0" : ">", _options.BatchSize).ConfigureAwait(false);
                if (entries.Length == 0)
                {
                    if (!readOwnPending)
                    {
                        await _wake.WaitAsync(_options.PollInterval, stoppingToken).ConfigureAwait(false);
                    }
                    readOwnPending = false;
                    continue;
                }
                // The batch in hand is finished even when shutdown begins: it is committed and acknowledged, or neither.
                using var grace = new CancellationTokenSource(_options.ShutdownGrace);
                await applier.ApplyAsync(entries, _consumer, grace.Token).ConfigureAwait(false);
                backoff = _options.InitialBackoff;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                // The stream or group was deleted under us (an operator's reset): make it again.
                LogGroupRecreated(ex.Message);
                await EnsureGroupAsync().ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogIterationFailed(ex, backoff);
                readOwnPending = true;
                await Task.Delay(Jitter(backoff), stoppingToken).ConfigureAwait(false);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxBackoff.Ticks));
            }
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }

    private async Task EnsureGroupAsync()
    {
        try
        {
            // From id 0 with MKSTREAM: events published before the group existed are applied too.
            await redis.GetDatabase()
                .StreamCreateConsumerGroupAsync(keys.Events, StreamKeys.ApplierGroup, "0", createStream: true)
                .ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another process made it first.
        }
    }

    private static TimeSpan Jitter(TimeSpan delay) => delay * (0.5 + Random.Shared.NextDouble() / 2);

    [LoggerMessage(Level = LogLevel.Information, Message = "Consumer {Consumer} applying {Stream}")]
    private partial void LogStarted(string consumer, string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer group missing ({Error}); recreating it")]
    private partial void LogGroupRecreated(string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Applying events failed; retrying in {Backoff}")]
    private partial void LogIterationFailed(Exception ex, TimeSpan backoff);
}
