using System.Diagnostics.Metrics;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// The outbox as Postgres holds it (meter <c>Lifecycle.Outbox</c>), per partition and from start-up: events recorded
/// and not yet seen by the appliers (<c>lifecycle_outbox_pending</c>), those of them not on the stream yet
/// (<c>lifecycle_outbox_unsent</c>), and how long the oldest of those has waited. Read from Postgres alone when
/// scraped, so they stay true while Redis is away, which is when they matter. Every replica exports the same values.
/// </summary>
public sealed partial class OutboxGauges : IDisposable
{
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    private readonly Meter _meter;
    private readonly OutboxStore _store;
    private readonly StreamKeys _keys;
    private readonly TimeProvider _clock;
    private readonly ILogger<OutboxGauges> _logger;
    private readonly Lock _gate = new();
    private IReadOnlyList<OutboxPartitionState>? _last;
    private long _readAt;

    public OutboxGauges(OutboxStore store, StreamKeys keys, TimeProvider clock, ILogger<OutboxGauges> logger)
    {
        (_store, _keys, _clock, _logger) = (store, keys, clock, logger);
        _meter = new Meter(OutboxCounters.MeterName);
        _meter.CreateObservableGauge("lifecycle.outbox.pending", () => Measure(p => p.Unsent + p.OnStream), "{event}",
            "Events recorded in the outbox and not yet seen on the stream by the appliers, by partition");
        _meter.CreateObservableGauge("lifecycle.outbox.unsent", () => Measure(p => p.Unsent), "{event}",
            "Events recorded in the outbox and not on the stream yet, by partition");
        _meter.CreateObservableGauge("lifecycle.outbox.oldest_unsent_age", () => Measure(p => p.OldestUnsentAgeSeconds), "s",
            "How long the oldest event not on the stream yet has waited, by partition; 0 when none waits");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<T>> Measure<T>(Func<OutboxPartitionState, T> value) where T : struct
    {
        var states = Read();
        if (states is null)
        {
            return [];
        }
        var byPartition = states.ToDictionary(s => s.Partition);
        return _keys.Partitions.Select(p => new Measurement<T>(
            value(byPartition.GetValueOrDefault(p.Index) ?? new OutboxPartitionState(p.Index, 0, 0, 0)),
            new KeyValuePair<string, object?>("partition", p.Index.ToString(System.Globalization.CultureInfo.InvariantCulture))));
    }

    private IReadOnlyList<OutboxPartitionState>? Read()
    {
        lock (_gate)
        {
            if (_last is null || _clock.GetElapsedTime(_readAt) > Freshness)
            {
                try
                {
                    using var timeout = new CancellationTokenSource(ReadTimeout);
                    _last = _store.StateByPartitionAsync(timeout.Token).GetAwaiter().GetResult();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // No value is better than a wrong one: the series go absent while Postgres is, and /readyz says why.
                    LogReadFailed(ex.Message);
                    _last = null;
                }
                _readAt = _clock.GetTimestamp();
            }
            return _last;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the outbox gauges: {Error}")]
    private partial void LogReadFailed(string error);
}
