using System.Diagnostics.Metrics;

namespace Lifecycle.Infrastructure.Trust;

/// <summary>Host connections this replica refused, by reason (<c>lifecycle_host_tls_refusals_total{reason}</c>).</summary>
public sealed class TlsRefusals : IDisposable
{
    public const string MeterName = "Lifecycle.HostTrust";

    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _refusals;

    public TlsRefusals() =>
        _refusals = _meter.CreateCounter<long>("lifecycle.host_tls_refusals", description: "TLS handshakes with hosts refused, and calls to decommissioned hosts not sent, by reason");

    public void Refused(string reason) => _refusals.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void Dispose() => _meter.Dispose();
}
