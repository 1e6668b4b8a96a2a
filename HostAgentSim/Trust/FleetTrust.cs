using System.Security.Cryptography.X509Certificates;
using Lifecycle.HostAgent.V1.Trust;

namespace Lifecycle.HostAgentSim.Trust;

/// <summary>
/// Whom the fleet's host agents accept as callers: only a client certificate that chains to the control
/// plane's CA, names the control plane (SAN URI) and is meant for client authentication. The CA comes
/// from <c>Simulator:CaCertificatePath</c>, else from the first registration's answer; until then nobody is accepted.
/// </summary>
public sealed class FleetTrust
{
    private X509Certificate2? _ca;

    public FleetTrust(string caCertificatePath)
    {
        if (caCertificatePath.Length > 0)
        {
            _ca = X509CertificateLoader.LoadCertificateFromFile(caCertificatePath);
        }
    }

    public X509Certificate2? Ca => Volatile.Read(ref _ca);

    /// <summary>Trusts the CA a registration answered with, unless one was configured.</summary>
    public void Learn(string caCertificatePem)
    {
        if (Ca is null)
        {
            Interlocked.CompareExchange(ref _ca, X509Certificate2.CreateFromPem(caCertificatePem), null);
        }
    }

    /// <summary>Why the caller's certificate is refused, or null when it is the control plane's.</summary>
    public string? Refusal(X509Certificate2? client) =>
        Ca is { } ca
            ? PeerIdentity.Refusal(client, ca, PeerIdentity.ControlPlaneUri, PeerIdentity.ClientAuthOid, DateTime.UtcNow)
            : PeerRefusals.Untrusted;
}
