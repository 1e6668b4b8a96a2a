using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Lifecycle.HostAgent.V1.Trust;

namespace Lifecycle.Infrastructure.Trust;

/// <summary>
/// The operator's CA, loaded from its PEM files: it issues host certificates from their CSRs and each
/// replica's own client certificate. The key stays in this process's memory; nothing is written.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    // A host's clock a little behind ours must not see a certificate from the future.
    private static readonly TimeSpan Backdate = TimeSpan.FromMinutes(5);

    private readonly X509Certificate2 _withKey;
    private readonly ECDsa? _ecKey;
    private readonly RSA? _rsaKey;

    private CertificateAuthority(X509Certificate2 withKey)
    {
        _withKey = withKey;
        _ecKey = withKey.GetECDsaPrivateKey();
        _rsaKey = _ecKey is null ? withKey.GetRSAPrivateKey() : null;
        Certificate = X509CertificateLoader.LoadCertificate(withKey.RawData);
        CertificatePem = Certificate.ExportCertificatePem();
    }

    /// <summary>The CA certificate alone (no key): what peers trust.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem { get; }

    /// <summary>Loads and checks the two files; the message of the exception says what is wrong and what is needed.</summary>
    public static CertificateAuthority Load(string certificatePath, string keyPath)
    {
        const string section = HostTrustOptions.Section;
        if (certificatePath.Length == 0 || keyPath.Length == 0)
        {
            throw new InvalidOperationException(
                $"{section}:CaCertificatePath and {section}:CaKeyPath must name the CA's PEM certificate and key files " +
                $"(docs/deployment.md, \"Trust between control plane and hosts\"), or set {section}:Insecure=true for plaintext development.");
        }
        X509Certificate2 withKey;
        try
        {
            withKey = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            // The exception's own message names no key material, only what failed.
            throw new InvalidOperationException(
                $"{section}: cannot load the CA from {certificatePath} and {keyPath}: {ex.Message} " +
                "Both must be readable PEM files, the key matching the certificate.", ex);
        }
        var constraints = withKey.Extensions.OfType<X509BasicConstraintsExtension>().FirstOrDefault();
        var usage = withKey.Extensions.OfType<X509KeyUsageExtension>().FirstOrDefault();
        if (constraints is not { CertificateAuthority: true } || (usage is not null && !usage.KeyUsages.HasFlag(X509KeyUsageFlags.KeyCertSign)))
        {
            withKey.Dispose();
            throw new InvalidOperationException(
                $"{section}: {certificatePath} is not a CA certificate (it needs basicConstraints CA:TRUE and keyUsage keyCertSign).");
        }
        if (withKey.GetKeyAlgorithm() is not ("1.2.840.10045.2.1" or "1.2.840.113549.1.1.1")) // id-ecPublicKey, rsaEncryption
        {
            withKey.Dispose();
            throw new InvalidOperationException($"{section}: the CA key in {keyPath} is neither ECDSA nor RSA.");
        }
        return new CertificateAuthority(withKey);
    }

    /// <summary>
    /// A host's certificate for the key of its CSR: the subject is ours to decide (CN = host id, SAN URI
    /// naming the host, and the address's IP or DNS name so standard tools can verify it), whatever the CSR asked.
    /// </summary>
    public X509Certificate2 IssueHost(Guid hostId, PublicKey key, string? addressHost, DateTimeOffset now, TimeSpan lifetime)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(PeerIdentity.HostUri(hostId)));
        if (addressHost is { Length: > 0 })
        {
            if (System.Net.IPAddress.TryParse(addressHost.Trim('[', ']'), out var ip))
            {
                names.AddIpAddress(ip);
            }
            else
            {
                names.AddDnsName(addressHost);
            }
        }
        return Issue($"CN={hostId:D}", key, names.Build(), [PeerIdentity.ServerAuthOid, PeerIdentity.ClientAuthOid], now, lifetime);
    }

    /// <summary>A replica's client certificate, with a key made here that never leaves this process.</summary>
    public X509Certificate2 IssueControlPlane(DateTimeOffset now, TimeSpan lifetime)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=lifecycle-control-plane", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddUri(new Uri(PeerIdentity.ControlPlaneUri));
        using var issued = Issue(request.SubjectName.Name, request.PublicKey, names.Build(), [PeerIdentity.ClientAuthOid], now, lifetime);
        return issued.CopyWithPrivateKey(key);
    }

    private X509Certificate2 Issue(string subject, PublicKey key, X509Extension names, string[] usages, DateTimeOffset now, TimeSpan lifetime)
    {
        var request = new CertificateRequest(new X500DistinguishedName(subject), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        var keyUsage = key.Oid.Value == "1.2.840.113549.1.1.1" // rsaEncryption
            ? X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment
            : X509KeyUsageFlags.DigitalSignature;
        request.CertificateExtensions.Add(new X509KeyUsageExtension(keyUsage, true));
        var oids = new OidCollection();
        foreach (var usage in usages)
        {
            oids.Add(new Oid(usage));
        }
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        request.CertificateExtensions.Add(names);
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(key, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));

        // Never outlives the CA (a chain with an expired CA fails anyway, and Create refuses it).
        var notBefore = Max(now - Backdate, _withKey.NotBefore.ToUniversalTime());
        var notAfter = Min(now + lifetime, _withKey.NotAfter.ToUniversalTime());
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F; // positive, as RFC 5280 asks
        return request.Create(Certificate.SubjectName, Signer(), notBefore, notAfter, serial);
    }

    private X509SignatureGenerator Signer() =>
        _ecKey is not null
            ? X509SignatureGenerator.CreateForECDsa(_ecKey)
            : X509SignatureGenerator.CreateForRSA(_rsaKey!, RSASignaturePadding.Pkcs1);

    private static DateTimeOffset Max(DateTimeOffset a, DateTime b) => a > b ? a : new DateTimeOffset(b, TimeSpan.Zero);

    private static DateTimeOffset Min(DateTimeOffset a, DateTime b) => a < b ? a : new DateTimeOffset(b, TimeSpan.Zero);

    public void Dispose()
    {
        _ecKey?.Dispose();
        _rsaKey?.Dispose();
        _withKey.Dispose();
        Certificate.Dispose();
    }
}
