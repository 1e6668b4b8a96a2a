using System.Diagnostics.Metrics;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// Gauges of shared state (meter <c>Lifecycle.Cluster</c>): stream length, pending, lag and oldest
/// pending age, as <see cref="StreamInspector"/> reads them from <c>XINFO</c>/<c>XPENDING</c>, and hosts and
/// sandboxes by status from Postgres. Read when scraped, not sampled in the background, so a scrape
/// matches <c>redis-cli</c> at that moment; one read serves every gauge of a scrape. Every replica
/// exports the same values: aggregate them with <c>max</c>, not <c>sum</c>.
/// </summary>
public sealed partial class ClusterGauges : IDisposable
{
    public const string MeterName = "Lifecycle.Cluster";

    /// <summary>How long one read serves: longer than a scrape takes, shorter than any scrape interval.</summary>
    private static readonly TimeSpan Freshness = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromSeconds(3);

    private readonly Meter _meter;
    private readonly StreamInspector _inspector;
    private readonly SandboxStore _sandboxes;
    private readonly HostStore _hosts;
    private readonly TimeProvider _clock;
    private readonly ILogger<ClusterGauges> _logger;
    private readonly Lock _gate = new();
    private Snapshot? _last;
    private long _readAt;

    public ClusterGauges(
        IMeterFactory meterFactory, StreamInspector inspector, SandboxStore sandboxes, HostStore hosts, TimeProvider clock, ILogger<ClusterGauges> logger)
    {
        _meter = meterFactory.Create(MeterName);
        (_inspector, _sandboxes, _hosts, _clock, _logger) = (inspector, sandboxes, hosts, clock, logger);
        _meter.CreateObservableGauge("lifecycle.stream.length", () => Read().StreamLengths, unit: "{entry}",
            description: "Entries on the stream (XLEN)");
        _meter.CreateObservableGauge("lifecycle.stream.pending", () => Read().Pending, unit: "{entry}",
            description: "Entries delivered to the group and not yet acknowledged (XPENDING)");
        _meter.CreateObservableGauge("lifecycle.stream.lag", () => Read().Lag, unit: "{entry}",
            description: "Entries not yet delivered to the group (XINFO GROUPS lag)");
        _meter.CreateObservableGauge("lifecycle.stream.oldest_pending_age", () => Read().OldestPendingAge, unit: "s",
            description: "Age of the group's oldest pending entry; absent when nothing is pending");
        _meter.CreateObservableGauge("lifecycle.hosts", () => Read().Hosts, unit: "{host}", description: "Hosts by status");
        _meter.CreateObservableGauge("lifecycle.sandboxes", () => Read().Sandboxes, unit: "{sandbox}", description: "Sandboxes by status");
    }

    public void Dispose() => _meter.Dispose();

    private Snapshot Read()
    {
        lock (_gate)
        {
            if (_last is null || _clock.GetElapsedTime(_readAt) > Freshness)
            {
                _last = Take();
                _readAt = _clock.GetTimestamp();
            }
            return _last;
        }
    }

    private Snapshot Take()
    {
        try
        {
            // Observable instruments are read synchronously by the exporter; the read is bounded.
            var streams = _inspector.InspectAllAsync().WaitAsync(ReadTimeout).GetAwaiter().GetResult();
            using var timeout = new CancellationTokenSource(ReadTimeout);
            var hosts = _hosts.CountByStatusAsync(timeout.Token).GetAwaiter().GetResult();
            var sandboxes = _sandboxes.CountByStatusAsync(timeout.Token).GetAwaiter().GetResult();
            return Snapshot.Of(streams, hosts, sandboxes, _clock.GetUtcNow());
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No value is better than a wrong one: the series go absent, and /readyz says why.
            LogReadFailed(ex);
            return Snapshot.Empty;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the cluster gauges (streams, hosts, sandboxes)")]
    private partial void LogReadFailed(Exception ex);

    private sealed record Snapshot(
        Measurement<long>[] StreamLengths, Measurement<long>[] Pending, Measurement<long>[] Lag,
        Measurement<double>[] OldestPendingAge, Measurement<long>[] Hosts, Measurement<long>[] Sandboxes)
    {
        public static readonly Snapshot Empty = new([], [], [], [], [], []);

        public static Snapshot Of(
            IReadOnlyList<StreamReport> streams, IReadOnlyDictionary<string, long> hosts, IReadOnlyDictionary<string, long> sandboxes, DateTimeOffset now)
        {
            var groups = streams.SelectMany(s => s.Groups.Select(g => (Stream: s.Key, Group: g))).ToList();
            static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);
            return new Snapshot(
                [.. streams.Select(s => new Measurement<long>(s.Length, Tag("stream", s.Key)))],
                [.. groups.Select(g => new Measurement<long>(g.Group.Pending, Tag("stream", g.Stream), Tag("group", g.Group.Name)))],
                [.. groups.Where(g => g.Group.Lag is not null)
                    .Select(g => new Measurement<long>(g.Group.Lag!.Value, Tag("stream", g.Stream), Tag("group", g.Group.Name)))],
                [.. groups.Where(g => g.Group.OldestPendingId is not null)
                    .Select(g => new Measurement<double>((now - StreamIds.TimeOf(g.Group.OldestPendingId!)).TotalSeconds,
                        Tag("stream", g.Stream), Tag("group", g.Group.Name)))],
                [.. hosts.Select(h => new Measurement<long>(h.Value, Tag("status", h.Key)))],
                [.. sandboxes.Select(s => new Measurement<long>(s.Value, Tag("status", s.Key)))]);
        }
    }
}
