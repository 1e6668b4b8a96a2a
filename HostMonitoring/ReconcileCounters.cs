using System.Diagnostics.Metrics;

namespace Lifecycle.HostMonitoring;

/// <summary>What the HostMonitor did, as metrics (meter <c>Lifecycle.Reconciler</c>).</summary>
public sealed class ReconcileCounters : IDisposable
{
    public const string MeterName = "Lifecycle.Reconciler";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _passes;
    private readonly Counter<long> _changes;
    private readonly Counter<long> _withheld;
    private readonly Counter<long> _hostFailures;
    private readonly Histogram<double> _passSeconds;
    private long _withheldCount;
    private long _changeCount;
    private long _passCount;

    public ReconcileCounters()
    {
        _passes = _meter.CreateCounter<long>("lifecycle.reconciler.passes", description: "HostMonitor passes run by this replica");
        _changes = _meter.CreateCounter<long>("lifecycle.reconciler.changes", description: "Events published, re-drives and orphan destroys, by kind and reason");
        _withheld = _meter.CreateCounter<long>("lifecycle.reconciler.withheld", description: "Changes held back by the safety brake");
        _hostFailures = _meter.CreateCounter<long>("lifecycle.reconciler.host_failures", description: "Hosts that did not answer within their deadline");
        _passSeconds = _meter.CreateHistogram<double>("lifecycle.reconciler.pass.duration", unit: "s", description: "Duration of a pass");
    }

    /// <summary>Passes this replica finished since it started.</summary>
    public long PassesTotal => Interlocked.Read(ref _passCount);

    public void Pass(TimeSpan duration, string scope)
    {
        Interlocked.Increment(ref _passCount);
        _passes.Add(1, new KeyValuePair<string, object?>("scope", scope));
        _passSeconds.Record(duration.TotalSeconds);
    }

    /// <summary>Events published, re-drives and orphan destroys since this replica started.</summary>
    public long ChangesTotal => Interlocked.Read(ref _changeCount);

    public void Change(string kind, string reason)
    {
        Interlocked.Increment(ref _changeCount);
        _changes.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Changes the safety brake has held back since this replica started.</summary>
    public long WithheldTotal => Interlocked.Read(ref _withheldCount);

    public void Withheld(int count)
    {
        Interlocked.Add(ref _withheldCount, count);
        _withheld.Add(count);
    }

    public void HostFailed() => _hostFailures.Add(1);

    public void Dispose() => _meter.Dispose();
}
