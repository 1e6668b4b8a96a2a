using System.Diagnostics.Metrics;

namespace Lifecycle.Consumers;

/// <summary>
/// Counts outcomes per process: exported through the <c>Lifecycle.Consumers</c> meter, and kept as
/// totals so that tests and the on-call tool can read them without a metrics pipeline.
/// </summary>
public sealed class ApplyCounters : IDisposable
{
    public const string MeterName = "Lifecycle.Consumers";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _batchSeconds;
    private readonly long[] _totals = new long[Enum.GetValues<ApplyOutcome>().Length];

    public ApplyCounters(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _events = _meter.CreateCounter<long>("lifecycle.consumer.events", description: "Stream entries handled, by outcome and type (and reason, when dead-lettered)");
        _batchSize = _meter.CreateHistogram<int>("lifecycle.consumer.batch.size", unit: "{entry}", description: "Entries per applied batch",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048] });
        _batchSeconds = _meter.CreateHistogram<double>("lifecycle.consumer.batch.duration", unit: "s", description: "Time to apply one batch and acknowledge it",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
    }

    public void Add(ApplyOutcome outcome, string eventType, long count = 1)
    {
        Interlocked.Add(ref _totals[(int)outcome], count);
        _events.Add(count,
            new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("type", eventType));
    }

    /// <summary>An entry set aside; <paramref name="kind"/> is one of <see cref="Infrastructure.Streams.DeadLetters.Kinds"/>.</summary>
    public void DeadLettered(string eventType, string kind)
    {
        Interlocked.Increment(ref _totals[(int)ApplyOutcome.DeadLettered]);
        _events.Add(1,
            new KeyValuePair<string, object?>("outcome", "deadlettered"),
            new KeyValuePair<string, object?>("type", eventType),
            new KeyValuePair<string, object?>("reason", kind));
    }

    public void Batch(int size, TimeSpan duration)
    {
        _batchSize.Record(size);
        _batchSeconds.Record(duration.TotalSeconds);
    }

    public long Total(ApplyOutcome outcome) => Interlocked.Read(ref _totals[(int)outcome]);

    public void Dispose() => _meter.Dispose();
}
