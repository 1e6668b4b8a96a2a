using System.Collections.Concurrent;

namespace Lifecycle.Core.Security;

/// <summary>
/// This replica's copy of the revoked host certificates, by serial (hex, as <c>X509Certificate2.SerialNumber</c>):
/// loaded from <c>host_certificates</c> at start, refreshed every few seconds, and added to at once when
/// this replica decommissions a host. Checked on every TLS handshake with a host.
/// </summary>
public sealed class RevokedCertificates
{
    private readonly ConcurrentDictionary<string, Guid> _serials = new(StringComparer.OrdinalIgnoreCase);

    public bool Contains(string serial) => _serials.ContainsKey(serial);

    public int Count => _serials.Count;

    /// <summary>Adds serials; returns the hosts that had none revoked here before (their channels must go).</summary>
    public IReadOnlyCollection<Guid> Add(IEnumerable<(string Serial, Guid HostId)> revoked)
    {
        var newly = new HashSet<Guid>();
        foreach (var (serial, hostId) in revoked)
        {
            if (_serials.TryAdd(serial, hostId))
            {
                newly.Add(hostId);
            }
        }
        return newly;
    }
}
