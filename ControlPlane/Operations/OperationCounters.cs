using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>Background operations as metrics (meter <c>Lifecycle.Operations</c>): how many run now, how they end, how long they take.</summary>
public sealed class OperationCounters : IDisposable
{
    public const string MeterName = "Lifecycle.Operations";

    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>The RPC's outcome is unknown and the host did not answer when asked: left to the HostMonitor.</summary>
    public const string Unknown = "unknown";
    public const string Abandoned = "abandoned";
    public const string Crashed = "crashed";

    private readonly Meter _meter;
    private readonly UpDownCounter<long> _inFlight;
    private readonly Counter<long> _completed;
    private readonly Histogram<double> _seconds;

    public OperationCounters(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _inFlight = _meter.CreateUpDownCounter<long>("lifecycle.operations.in_flight", unit: "{operation}",
            description: "Background operations under way in this replica, by operation");
        _completed = _meter.CreateCounter<long>("lifecycle.operations.completed", description: "Background operations ended, by operation and outcome");
        _seconds = _meter.CreateHistogram<double>("lifecycle.operations.duration", unit: "s", description: "From start to published outcome, by operation");
    }

    public void Started(string operation) => _inFlight.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Completed(string operation, string outcome, TimeSpan duration)
    {
        _inFlight.Add(-1, new KeyValuePair<string, object?>("operation", operation));
        var tags = new TagList { { "operation", operation }, { "outcome", outcome } };
        _completed.Add(1, tags);
        _seconds.Record(duration.TotalSeconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
