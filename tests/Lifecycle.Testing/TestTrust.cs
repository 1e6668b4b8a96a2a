using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

using Lifecycle.ControlPlane.Certificates;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Trust;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Trust;

namespace Lifecycle.Testing;

/// <summary>
/// The run's CA as the control plane holds it, for tests and benchmarks that play the control plane's
/// part: they issue certificates to fleets started without a control plane, and call hosts with the
/// control plane's client certificate, checked exactly as the control plane checks them.
/// </summary>
public static class TestTrust
{
    private static readonly Lazy<HostTrust> LazyTrust = new(() => HostTrust.Create(new HostTrustOptions
    {
        CaCertificatePath = TestCertificateAuthority.Shared.CertificatePath,
        CaKeyPath = TestCertificateAuthority.Shared.KeyPath,
    }));

    private static readonly Lazy<HostAgentClients> LazyClients = new(() => new HostAgentClients(Trust));

    public static HostTrust Trust => LazyTrust.Value;

    /// <summary>Shared clients (channels by host), checked as the control plane checks hosts.</summary>
    public static HostAgentClients Clients => LazyClients.Value;

    public static CertificateAuthority Authority => Trust.Authority!;

    /// <summary>Issues a fleet's hosts their certificates (a new host id each) as registration would.</summary>
    public static CertificateIssuer Issuer { get; } = (_, csr, _) =>
    {
        var (key, problem) = SigningRequests.Read(csr);
        if (key is null)
        {
            throw new InvalidOperationException(problem);
        }
        var hostId = Guid.CreateVersion7();
        using var certificate = Authority.IssueHost(hostId, key, "127.0.0.1", DateTimeOffset.UtcNow, TimeSpan.FromDays(1));
        return Task.FromResult(new CertificateGrant(hostId, certificate.ExportCertificatePem(), Authority.CertificatePem));
    };

    /// <summary>A CSR (PEM) for a new key, as a host agent sends at registration.</summary>
    public static string NewCsr(string name = "test-host") => HostKeys.NewSigningRequest(name).CsrPem;

    /// <summary>A channel to the host with the control plane's client certificate (the caller disposes it).</summary>
    public static GrpcChannel Channel(SimulatedHost host) => LazyClients.Value.CreateChannel(host.HostId!.Value, host.Address);

    /// <summary>
    /// A plain HTTP handler that presents the control plane's client certificate (and trusts any server),
    /// for HTTP requests to a host port that are not gRPC calls.
    /// </summary>
    public static SocketsHttpHandler Handler() => new()
    {
        SslOptions = new System.Net.Security.SslClientAuthenticationOptions
        {
            LocalCertificateSelectionCallback = (_, _, _, _, _) => ClientCertificate,
            RemoteCertificateValidationCallback = (_, _, _, _) => true,
        },
    };

    /// <summary>The control plane's client certificate of this process.</summary>
    public static X509Certificate2 ClientCertificate => Trust.ClientCertificate!;
}
