namespace Lifecycle.Infrastructure.Trust;

/// <summary>
/// The CA the control plane signs host certificates with, and its own client certificate from it
/// (section <c>Lifecycle:HostTrust</c>). Every replica needs the same two files.
/// </summary>
public sealed class HostTrustOptions
{
    public const string Section = "Lifecycle:HostTrust";

    /// <summary>PEM file of the CA certificate (basicConstraints CA:TRUE).</summary>
    public string CaCertificatePath { get; set; } = "";

    /// <summary>PEM file of the CA's private key (PKCS#8, or SEC1/PKCS#1); keep it mode 0600.</summary>
    public string CaKeyPath { get; set; } = "";

    /// <summary>How long a certificate issued to a host (or to a replica itself) is valid; hosts renew at two thirds of it.</summary>
    public TimeSpan CertificateLifetime { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// Development only: plaintext gRPC (h2c) to hosts whose address is <c>http://</c>, and registration
    /// without a CSR. A loud warning is logged at start.
    /// </summary>
    public bool Insecure { get; set; }
}
