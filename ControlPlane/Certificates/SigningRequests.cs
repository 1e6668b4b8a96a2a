using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Lifecycle.ControlPlane.Certificates;

/// <summary>
/// Reads a host's PKCS#10 CSR (PEM). Its signature is verified on load: proof that the sender holds the
/// private key, which never leaves the host. Only the public key is used; the subject it asks for is ignored.
/// </summary>
public static class SigningRequests
{
    /// <summary>What a CSR is and how to make one, for the answer to a missing or bad one.</summary>
    public const string HowTo =
        "csr must be a PKCS#10 certificate signing request in PEM (-----BEGIN CERTIFICATE REQUEST-----), made on the host with " +
        "its own key, which never leaves it, e.g. `openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes " +
        "-keyout host.key -subj /CN=host-7 -out host.csr`. Keys: ECDSA P-256 or P-384, or RSA of 2048 bits or more. " +
        "The control plane decides the certificate's subject (the host id) whatever the CSR asks.";

    public const int MaxPemLength = 16 * 1024;

    /// <summary>The CSR's public key, or the problem with it (<see cref="HowTo"/> included).</summary>
    public static (PublicKey? Key, string? Problem) Read(string? pem)
    {
        if (pem is not { Length: > 0 and <= MaxPemLength })
        {
            return (null, HowTo);
        }
        CertificateRequest request;
        try
        {
            // Default options: the signature is verified, and the extensions the CSR asks for are not even read.
            request = CertificateRequest.LoadSigningRequestPem(pem, HashAlgorithmName.SHA256);
        }
        catch (CryptographicException)
        {
            return (null, "csr is not a valid, correctly signed CSR. " + HowTo);
        }
        return KeyProblem(request.PublicKey) is { } problem ? (null, problem + " " + HowTo) : (request.PublicKey, null);
    }

    /// <summary>Null when the key is ECDSA P-256/P-384 or RSA of at least 2048 bits.</summary>
    public static string? KeyProblem(PublicKey key)
    {
        using var ec = key.GetECDsaPublicKey();
        if (ec is not null)
        {
            return ec.KeySize is 256 or 384 ? null : $"csr has an ECDSA key of {ec.KeySize} bits; P-256 or P-384 is needed.";
        }
        using var rsa = key.GetRSAPublicKey();
        if (rsa is not null)
        {
            return rsa.KeySize >= 2048 ? null : $"csr has an RSA key of {rsa.KeySize} bits; 2048 or more is needed.";
        }
        return "csr has a key that is neither ECDSA nor RSA.";
    }

    /// <summary>
    /// Whether <paramref name="signature"/> is the signature by <paramref name="certificate"/>'s key over
    /// <paramref name="data"/> (ECDSA with SHA-256 in DER or IEEE P1363 form, or RSA PKCS#1 v1.5 with SHA-256).
    /// </summary>
    public static bool IsSignedBy(X509Certificate2 certificate, byte[] data, byte[] signature)
    {
        try
        {
            using var ec = certificate.GetECDsaPublicKey();
            if (ec is not null)
            {
                return ec.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
                    || ec.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
            }
            using var rsa = certificate.GetRSAPublicKey();
            return rsa is not null && rsa.VerifyData(data, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The DER bytes of the first CSR in <paramref name="pem"/> (what a renewal's proof signs), or null.</summary>
    public static byte[]? Der(string pem)
    {
        if (!PemEncoding.TryFind(pem, out var fields) || pem[fields.Label] != "CERTIFICATE REQUEST")
        {
            return null;
        }
        return Convert.FromBase64String(pem[fields.Base64Data]);
    }
}
