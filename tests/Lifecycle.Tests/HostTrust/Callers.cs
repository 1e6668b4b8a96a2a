using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.HostAgent.V1.Trust;
using Lifecycle.HostAgentSim.Trust;
using Lifecycle.Infrastructure.Trust;

namespace Lifecycle.Tests.HostTrust;

/// <summary>Callers and certificates that are not the control plane's, for the tests that show they are refused.</summary>
public static class Callers
{
    /// <summary>A CA of its own, unknown to the control plane and the hosts, that issues what an impostor would want.</summary>
    public static CertificateAuthority RogueAuthority { get; } = LoadRogue();

    /// <summary>A channel that trusts any server and presents <paramref name="clientCertificate"/> (none when null).</summary>
    public static GrpcChannel Channel(string address, X509Certificate2? clientCertificate) =>
        GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                SslOptions = new SslClientAuthenticationOptions
                {
                    LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate!,
                    RemoteCertificateValidationCallback = (_, _, _, _) => true,
                },
            },
        });

    /// <summary>A self-signed certificate that claims to be the control plane (right SAN URI, right usage).</summary>
    public static X509Certificate2 SelfSignedControlPlane()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=lifecycle-control-plane", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(PeerIdentity.ControlPlaneUri));
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(PeerIdentity.ClientAuthOid)], false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
    }

    /// <summary>Issues a fleet's hosts certificates that name <paramref name="hostId"/>, from <paramref name="authority"/>.</summary>
    public static CertificateIssuer IssuerFor(CertificateAuthority authority, Guid hostId) => (_, csr, _) =>
    {
        var (key, problem) = SigningRequests.Read(csr);
        Assert.That(problem, Is.Null);
        using var certificate = authority.IssueHost(hostId, key!, "127.0.0.1", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        // The fleet trusts the real CA for its callers: an impostor that lets the control plane in, to be asked.
        return Task.FromResult(new CertificateGrant(hostId, certificate.ExportCertificatePem(), TestTrust.Authority.CertificatePem));
    };

    private static CertificateAuthority LoadRogue()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"lifecycle-rogue-ca-{Guid.NewGuid():N}");
        TestCertificateAuthority.Write(directory, "CN=Not the Lifecycle CA");
        try
        {
            return CertificateAuthority.Load(Path.Combine(directory, "ca.crt"), Path.Combine(directory, "ca.key"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
