using System.Diagnostics.Metrics;
using Lifecycle.Contract.Capacity;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// Gauges of shared state (meter <c>Lifecycle.Cluster</c>): stream length, pending, lag and oldest
/// pending age, as <see cref="StreamInspector"/> reads them from <c>XINFO</c>/<c>XPENDING</c>; hosts and
/// sandboxes by status, and each host's capacity and what is allocated of it, and the fleet's free capacity, from
/// Postgres. Read when scraped, not sampled in the background, so a scrape
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
    private readonly HostCapacity _capacity;
    private readonly TimeProvider _clock;
    private readonly ILogger<ClusterGauges> _logger;
    private readonly Lock _gate = new();
    private Snapshot? _last;
    private long _readAt;

    public ClusterGauges(
        IMeterFactory meterFactory, StreamInspector inspector, SandboxStore sandboxes, HostStore hosts, HostCapacity capacity, TimeProvider clock,
        ILogger<ClusterGauges> logger)
    {
        _meter = meterFactory.Create(MeterName);
        (_inspector, _sandboxes, _hosts, _capacity, _clock, _logger) = (inspector, sandboxes, hosts, capacity, clock, logger);
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
        _meter.CreateObservableGauge("lifecycle.host.capacity", () => Read().Capacity,
            description: "What a host lets its sandboxes use, as it reported it (allocatable, before any overcommit ratio), by host and resource (vcpus, memory_mb)");
        _meter.CreateObservableGauge("lifecycle.host.allocated", () => Read().Allocated,
            description: "What the host's sandboxes that may still have a VM there hold, by host and resource");
        _meter.CreateObservableGauge("lifecycle.fleet.free_capacity", () => Read().Free,
            description: "What online hosts that reported a capacity may still lend (allocatable times the ratio, less what is allocated), by resource; every resource from start-up");
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
            var loads = _sandboxes.HostLoadsAsync(timeout.Token).GetAwaiter().GetResult();
            return Snapshot.Of(streams, hosts, sandboxes, _clock.GetUtcNow()) with { Capacity = CapacityOf(loads), Allocated = AllocatedOf(loads), Free = FreeOf(loads) };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No value is better than a wrong one: the series go absent, and /readyz says why.
            LogReadFailed(ex);
            return Snapshot.Empty;
        }
    }

    private static Measurement<long>[] CapacityOf(IReadOnlyList<HostLoad> loads) =>
        [.. loads.Where(load => load.Allocatable is not null).SelectMany(load => PerResource(load.Allocatable!.Value, Tag("host", load.Name)))];

    private static Measurement<long>[] AllocatedOf(IReadOnlyList<HostLoad> loads) =>
        [.. loads.SelectMany(load => PerResource(load.Allocated, Tag("host", load.Name)))];

    /// <summary>
    /// Free where it can be used: online hosts that reported a capacity, each counted no lower than zero (a host whose
    /// new report is below what it holds lends nothing, and does not take from the others' room).
    /// </summary>
    private Measurement<long>[] FreeOf(IReadOnlyList<HostLoad> loads)
    {
        var ratios = _capacity.Ratios;
        var free = loads.Where(load => load.TakesPlacements && load.Allocatable is not null)
            .Select(load => CapacityRules.Limit(load.Allocatable!.Value, ratios) - load.Allocated)
            .Aggregate(Resources.None, (sum, left) => sum + new Resources(Math.Max(0, left.Vcpus), Math.Max(0, left.MemoryMb)));
        return PerResource(free);
    }

    private static Measurement<long>[] PerResource(Resources amounts, params KeyValuePair<string, object?>[] tags) =>
        [.. Enum.GetValues<CapacityResource>().Select(resource => new Measurement<long>(amounts.Of(resource), [.. tags, Tag("resource", resource.ToWire())]))];

    private static KeyValuePair<string, object?> Tag(string name, string value) => new(name, value);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the cluster gauges (streams, hosts, sandboxes)")]
    private partial void LogReadFailed(Exception ex);

    private sealed record Snapshot(
        Measurement<long>[] StreamLengths, Measurement<long>[] Pending, Measurement<long>[] Lag,
        Measurement<double>[] OldestPendingAge, Measurement<long>[] Hosts, Measurement<long>[] Sandboxes)
    {
        public static readonly Snapshot Empty = new([], [], [], [], [], []);

        public Measurement<long>[] Capacity { get; init; } = [];

        public Measurement<long>[] Allocated { get; init; } = [];

        public Measurement<long>[] Free { get; init; } = [];

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
