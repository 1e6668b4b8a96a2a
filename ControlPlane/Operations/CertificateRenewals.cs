using System.Security.Cryptography.X509Certificates;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Trust;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// Renews a host's certificate when its current one, neither expired nor revoked, vouches for the new key:
/// the proof must be a signature by the current certificate's key over the new CSR's DER bytes.
/// </summary>
public sealed class CertificateRenewals(HostStore hosts, HostCertificateStore store, HostCertificates certificates, HostTrust trust)
{
    public async Task<CertificateRenewalOutcome> RenewAsync(Guid hostId, PublicKey key, byte[] csrDer, byte[] proof, CancellationToken ct)
    {
        if (!certificates.CanIssue)
        {
            return new CertificateRenewalOutcome.NoAuthority();
        }
        var current = await store.CurrentAsync(hostId, ct);
        if (current is null || trust.Revoked.Contains(current.Serial))
        {
            return new CertificateRenewalOutcome.NoValidCertificate();
        }
        using var currentCertificate = X509Certificate2.CreateFromPem(current.CertificatePem);
        if (!SigningRequests.IsSignedBy(currentCertificate, csrDer, proof))
        {
            return new CertificateRenewalOutcome.BadProof();
        }
        var row = await hosts.GetAsync(hostId, ct);
        return new CertificateRenewalOutcome.Renewed(await certificates.IssueAsync(hostId, key, row!.GrpcAddress, ct));
    }
}
