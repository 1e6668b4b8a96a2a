namespace Lifecycle.HostAgentSim.Trust;

/// <summary>What a host is given for its CSR: its id, its certificate (PEM) and the CA certificate to trust (PEM).</summary>
public sealed record CertificateGrant(Guid HostId, string CertificatePem, string CaCertificatePem);

/// <summary>
/// Gives a host a certificate for its CSR outside the control plane: for a fleet that registers with
/// none (tests and benchmarks that call its hosts directly, with a CA of their own).
/// </summary>
public delegate Task<CertificateGrant> CertificateIssuer(string hostName, string csrPem, CancellationToken ct);
