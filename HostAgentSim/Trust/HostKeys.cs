using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifecycle.HostAgentSim.Trust;

/// <summary>
/// A host's key pair and CSR, made in this process (the private key never leaves it), and the proof of
/// possession a renewal sends: the current key's signature over the new CSR's DER bytes.
/// </summary>
public static class HostKeys
{
    /// <summary>A new ECDSA P-256 key and a CSR for it. The subject is a courtesy: the control plane decides the real one.</summary>
    public static (ECDsa Key, string CsrPem) NewSigningRequest(string hostName)
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        return (key, request.CreateSigningRequestPem());
    }

    /// <summary>The issued certificate joined with its key, ready to serve TLS.</summary>
    public static X509Certificate2 Combine(string certificatePem, ECDsa key)
    {
        using var certificate = X509Certificate2.CreateFromPem(certificatePem);
        return certificate.CopyWithPrivateKey(key);
    }

    /// <summary>Base64 of the signature by <paramref name="current"/>'s key over the DER bytes of <paramref name="csrPem"/>.</summary>
    public static string Proof(X509Certificate2 current, string csrPem)
    {
        var der = PemEncoding.TryFind(csrPem, out var fields)
            ? Convert.FromBase64String(csrPem[fields.Base64Data])
            : throw new ArgumentException("not a PEM CSR", nameof(csrPem));
        using var key = current.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the current certificate has no ECDSA key here");
        return Convert.ToBase64String(key.SignData(der, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
    }
}
