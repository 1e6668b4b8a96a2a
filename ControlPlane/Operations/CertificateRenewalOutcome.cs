using Lifecycle.ControlPlane.Certificates;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>What became of a host's request for a new certificate.</summary>
public abstract record CertificateRenewalOutcome
{
    public sealed record Renewed(HostCertificates.Grant Grant) : CertificateRenewalOutcome;

    /// <summary>This control plane has no CA to issue certificates with.</summary>
    public sealed record NoAuthority : CertificateRenewalOutcome;

    /// <summary>The host has no certificate on record that is neither expired nor revoked to vouch for the new key.</summary>
    public sealed record NoValidCertificate : CertificateRenewalOutcome;

    /// <summary>The proof is not a signature by the current certificate's key over the new CSR.</summary>
    public sealed record BadProof : CertificateRenewalOutcome;
}
