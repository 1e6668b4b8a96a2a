using System.Security.Cryptography.X509Certificates;
using Lifecycle.HostAgent.V1.Trust;
using Microsoft.Extensions.Options;

namespace Lifecycle.Infrastructure.Trust;

/// <summary>
/// Everything this replica knows about trust with hosts: the CA (null only in insecure development
/// without CA files), its own client certificate, the revoked host certificates, and the check of a
/// host's certificate. Loading fails at start with a message that says what is missing.
/// </summary>
public sealed class HostTrust : IDisposable
{
    private readonly ControlPlaneCertificate? _client;

    public HostTrust(IOptions<HostTrustOptions> options, TimeProvider clock)
    {
        var settings = options.Value;
        // Seconds only make sense in tests of renewal; hosts renew at two thirds of it.
        if (settings.CertificateLifetime < TimeSpan.FromSeconds(5))
        {
            throw new InvalidOperationException($"{HostTrustOptions.Section}:CertificateLifetime must be at least 5 seconds (it is {settings.CertificateLifetime}).");
        }
        Insecure = settings.Insecure;
        Lifetime = settings.CertificateLifetime;
        Clock = clock;
        // Insecure without CA files is plaintext only; with them, https hosts still get TLS (a fleet moving over).
        if (!settings.Insecure || settings.CaCertificatePath.Length > 0 || settings.CaKeyPath.Length > 0)
        {
            Authority = CertificateAuthority.Load(settings.CaCertificatePath, settings.CaKeyPath);
            _client = new ControlPlaneCertificate(Authority, Lifetime, clock);
        }
    }

    /// <summary>For processes without dependency injection (the benchmarks).</summary>
    public static HostTrust Create(HostTrustOptions options) => new(Options.Create(options), TimeProvider.System);

    public bool Insecure { get; }

    public CertificateAuthority? Authority { get; }

    public TimeSpan Lifetime { get; }

    public TimeProvider Clock { get; }

    public RevokedCertificates Revoked { get; } = new();

    /// <summary>This replica's current client certificate; null without a CA.</summary>
    public X509Certificate2? ClientCertificate => _client?.Current;

    /// <summary>Why the certificate a host presented is not host <paramref name="hostId"/>'s, or null when it is.</summary>
    public string? Refusal(Guid hostId, X509Certificate2? certificate)
    {
        if (Authority is null)
        {
            return PeerRefusals.Untrusted;
        }
        var refusal = PeerIdentity.Refusal(certificate, Authority.Certificate, PeerIdentity.HostUri(hostId),
            PeerIdentity.ServerAuthOid, Clock.GetUtcNow().UtcDateTime);
        if (refusal is null && Revoked.Contains(certificate!.SerialNumber))
        {
            return PeerRefusals.Revoked;
        }
        return refusal;
    }

    public void Dispose()
    {
        _client?.Dispose();
        Authority?.Dispose();
    }
}
