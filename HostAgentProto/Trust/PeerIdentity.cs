using System.Formats.Asn1;
using System.Security.Cryptography.X509Certificates;

namespace Lifecycle.HostAgent.V1.Trust;

/// <summary>
/// Who is who on the mutual-TLS link between the control plane and host agents, as both sides check it:
/// a certificate chaining to the control plane's CA, whose SAN URI names the peer and whose extended key
/// usage allows its role. The subject's CN is for people; the SAN URI is the identity.
/// </summary>
public static class PeerIdentity
{
    /// <summary>The SAN URI of every control-plane replica's client certificate.</summary>
    public const string ControlPlaneUri = "urn:lifecycle:control-plane";

    public const string HostUriPrefix = "urn:lifecycle:host:";

    public const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
    public const string ClientAuthOid = "1.3.6.1.5.5.7.3.2";

    private const string SubjectAltNameOid = "2.5.29.17";
    private static readonly Asn1Tag UriTag = new(TagClass.ContextSpecific, 6);

    /// <summary>The SAN URI of a host's certificate.</summary>
    public static string HostUri(Guid hostId) => HostUriPrefix + hostId.ToString("D");

    /// <summary>
    /// Why <paramref name="certificate"/> is not the peer <paramref name="expectedUri"/> acting in the role
    /// of <paramref name="usageOid"/>, or null when it is. Revocation is the caller's to check (by serial).
    /// </summary>
    public static string? Refusal(X509Certificate2? certificate, X509Certificate2 ca, string expectedUri, string usageOid, DateTime now)
    {
        if (certificate is null)
        {
            return PeerRefusals.NoCertificate;
        }
        if (ChainRefusal(certificate, ca, now) is { } chain)
        {
            return chain;
        }
        if (!Uris(certificate).Contains(expectedUri, StringComparer.Ordinal))
        {
            return PeerRefusals.WrongIdentity;
        }
        return Usages(certificate).Contains(usageOid, StringComparer.Ordinal) ? null : PeerRefusals.WrongUsage;
    }

    /// <summary>Null when the certificate chains to <paramref name="ca"/> alone and is valid at <paramref name="now"/>.</summary>
    public static string? ChainRefusal(X509Certificate2 certificate, X509Certificate2 ca, DateTime now)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        // Revocation is by serial, against the control plane's own record; there is no CRL to fetch.
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.VerificationTime = now.ToLocalTime();
        try
        {
            if (chain.Build(certificate))
            {
                return null;
            }
            return chain.ChainStatus.Any(s => s.Status.HasFlag(X509ChainStatusFlags.NotTimeValid))
                ? PeerRefusals.Expired
                : PeerRefusals.Untrusted;
        }
        finally
        {
            foreach (var element in chain.ChainElements)
            {
                element.Certificate.Dispose();
            }
        }
    }

    /// <summary>The URIs among the certificate's subject alternative names.</summary>
    public static IReadOnlyList<string> Uris(X509Certificate2 certificate)
    {
        var extension = certificate.Extensions[SubjectAltNameOid];
        if (extension is null)
        {
            return [];
        }
        var uris = new List<string>();
        try
        {
            var names = new AsnReader(extension.RawData, AsnEncodingRules.DER).ReadSequence();
            while (names.HasData)
            {
                if (names.PeekTag() == UriTag)
                {
                    uris.Add(names.ReadCharacterString(UniversalTagNumber.IA5String, UriTag));
                }
                else
                {
                    names.ReadEncodedValue();
                }
            }
        }
        catch (AsnContentException)
        {
            return []; // a malformed SAN names nobody
        }
        return uris;
    }

    /// <summary>The host id a host certificate names (its SAN URI), or null.</summary>
    public static Guid? HostIdOf(X509Certificate2 certificate) =>
        Uris(certificate)
            .Where(uri => uri.StartsWith(HostUriPrefix, StringComparison.Ordinal))
            .Select(uri => Guid.TryParse(uri[HostUriPrefix.Length..], out var id) ? id : (Guid?)null)
            .FirstOrDefault(id => id is not null);

    private static IEnumerable<string> Usages(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>()
            .SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>())
            .Select(oid => oid.Value ?? "");
}
