using System.Collections.Concurrent;

namespace Lifecycle.Infrastructure.Trust;

/// <summary>
/// This replica's copy of the revoked host certificates, by serial (hex, as <c>X509Certificate2.SerialNumber</c>):
/// loaded from <c>host_certificates</c> at start, refreshed every few seconds, and added to at once when
/// this replica decommissions a host. Checked on every TLS handshake with a host, and by host before
/// every call (only decommission revokes, so a host with a revoked certificate is decommissioned).
/// </summary>
public sealed class RevokedCertificates
{
    private readonly ConcurrentDictionary<string, Guid> _serials = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<Guid, byte> _hosts = new();

    public bool Contains(string serial) => _serials.ContainsKey(serial);

    /// <summary>Whether any certificate of the host is revoked here: it is decommissioned, and nothing may call it.</summary>
    public bool ContainsHost(Guid hostId) => _hosts.ContainsKey(hostId);

    public int Count => _serials.Count;

    /// <summary>Adds serials; returns the hosts with a serial new here (their channels must go).</summary>
    public IReadOnlyCollection<Guid> Add(IEnumerable<(string Serial, Guid HostId)> revoked)
    {
        var newly = new HashSet<Guid>();
        foreach (var (serial, hostId) in revoked)
        {
            // The host first, so every call to it is refused from here on, before its channels close.
            _hosts.TryAdd(hostId, 0);
            if (_serials.TryAdd(serial, hostId))
            {
                newly.Add(hostId);
            }
        }
        return newly;
    }
}
