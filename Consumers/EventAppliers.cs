using System.Collections.Concurrent;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// This replica's consumers: one <see cref="PartitionConsumer"/> per event partition it owns, with the partition's
/// outbox <see cref="PartitionRelay"/> beside it under the same lease, started and stopped by the
/// <see cref="OwnershipCoordinator"/>. One subscription to the wake channel serves
/// them all; a wake-up names its partition.
/// </summary>
public sealed partial class EventAppliers(
    IConnectionMultiplexer redis,
    StreamKeys keys,
    BatchApplier applier,
    StreamMaintenance maintenance,
    OutboxStore outbox,
    EventPublisher publisher,
    OutboxCounters outboxCounters,
    IOptions<OutboxOptions> outboxOptions,
    TimeProvider clock,
    IOptions<ApplierOptions> options,
    IOptions<ReplicaOptions> replica,
    ILoggerFactory loggers) : ISlotWork, IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<int, WakeSignal> _wakes = new();
    private readonly ILogger<EventAppliers> _logger = loggers.CreateLogger<EventAppliers>();

    /// <summary>This replica's consumer name in every partition's group.</summary>
    public string ConsumerName { get; } = replica.Value.ResolveName();

    public LeaseKind Kind => LeaseKind.EventPartitions;

    public int SlotCount => keys.Partitions.Count;

    public async Task RunAsync(int slot, CancellationToken owned)
    {
        var consumer = new PartitionConsumer(keys.Partition(slot), ConsumerName, _wakes.GetOrAdd(slot, _ => new WakeSignal()),
            redis, applier, maintenance, clock, options.Value, loggers.CreateLogger<PartitionConsumer>());
        var relay = new PartitionRelay(keys.Partition(slot), outbox, publisher, outboxCounters, outboxOptions.Value,
            loggers.CreateLogger<PartitionRelay>());
        await Task.WhenAll(consumer.RunAsync(owned), relay.RunAsync(owned));
    }

    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Subscribes in the background: a start-up while Redis is away must not wait for it (consumers poll meanwhile).</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = Subscriptions.KeepTryingAsync(
            () => redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(keys.WakeChannel), (_, message) => Wake(message)),
            ex => LogSubscribeFailed(ex.Message), _stopping.Token);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _stopping.Cancel();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _stopping.Dispose();
        foreach (var wake in _wakes.Values)
        {
            wake.Dispose();
        }
    }

    private void Wake(RedisValue message)
    {
        if (message.TryParse(out int partition) && _wakes.TryGetValue(partition, out var wake))
        {
            wake.Set();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not subscribe to consumer wake-ups ({Error}); consumers poll meanwhile")]
    private partial void LogSubscribeFailed(string error);
}
