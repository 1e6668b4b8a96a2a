using System.Security.Cryptography.X509Certificates;

namespace Lifecycle.Infrastructure.Trust;

/// <summary>
/// This replica's client certificate for calling host agents: issued by the CA in memory (never on disk),
/// and issued anew once two thirds of its lifetime have passed. Read on every TLS handshake, so a new one
/// is used without new channels.
/// </summary>
public sealed class ControlPlaneCertificate(CertificateAuthority authority, TimeSpan lifetime, TimeProvider clock) : IDisposable
{
    private readonly Lock _gate = new();
    private X509Certificate2? _current;
    private DateTimeOffset _renewAt;

    public X509Certificate2 Current
    {
        get
        {
            var now = clock.GetUtcNow();
            lock (_gate)
            {
                if (_current is null || now >= _renewAt)
                {
                    // The old one is not disposed: a handshake under way may still be using it.
                    _current = authority.IssueControlPlane(now, lifetime);
                    var valid = _current.NotAfter.ToUniversalTime() - now.UtcDateTime;
                    _renewAt = now + valid * 2 / 3;
                }
                return _current;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _current?.Dispose();
        }
    }
}
