using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>
/// <c>lifecycle_host_drain_remaining{host, name}</c> (meter <c>Lifecycle.Drains</c>): for each draining host
/// this replica drives, the sandboxes its last round found not yet where the mode leaves them. Only the
/// replica that owns a host reports it, so <c>max</c> or <c>sum</c> across replicas give the same value; a
/// host leaves the series once drained, cancelled or handed over.
/// </summary>
public sealed class DrainProgress : IDisposable
{
    public const string MeterName = "Lifecycle.Drains";

    private readonly Meter _meter;
    private readonly ConcurrentDictionary<Guid, (string Name, long Remaining)> _hosts = new();

    public DrainProgress(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge("lifecycle.host.drain.remaining",
            () => _hosts.Select(h => new Measurement<long>(h.Value.Remaining,
                new KeyValuePair<string, object?>("host", h.Key.ToString()), new KeyValuePair<string, object?>("name", h.Value.Name))),
            unit: "{sandbox}", description: "Sandboxes of a draining host not yet where its drain's mode leaves them");
    }

    public void Record(Guid hostId, string name, long remaining) => _hosts[hostId] = (name, remaining);

    /// <summary>Forgets every host but <paramref name="draining"/>, the ones this replica drives now.</summary>
    public void KeepOnly(IReadOnlyCollection<Guid> draining)
    {
        foreach (var host in _hosts.Keys.Where(h => !draining.Contains(h)))
        {
            _hosts.TryRemove(host, out _);
        }
    }

    public void Dispose() => _meter.Dispose();
}
