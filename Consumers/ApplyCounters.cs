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
    private readonly long[] _totals = new long[Enum.GetValues<ApplyOutcome>().Length];

    public ApplyCounters(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _events = _meter.CreateCounter<long>("lifecycle.consumer.events", description: "Stream entries handled, by outcome");
    }

    public void Add(ApplyOutcome outcome, string eventType, long count = 1)
    {
        Interlocked.Add(ref _totals[(int)outcome], count);
        _events.Add(count,
            new KeyValuePair<string, object?>("outcome", outcome.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("type", eventType));
    }

    public long Total(ApplyOutcome outcome) => Interlocked.Read(ref _totals[(int)outcome]);

    public void Dispose() => _meter.Dispose();
}
