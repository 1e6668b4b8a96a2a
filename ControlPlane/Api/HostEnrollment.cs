using System.Security.Cryptography.X509Certificates;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.Infrastructure.Trust;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// What a registration must bring under this control plane's trust settings: an https address and a
/// CSR, unless the insecure development flag lets a plaintext http address register without one.
/// </summary>
public static class HostEnrollment
{
    /// <summary>The key to certify (null: a plaintext host, nothing to issue), or the problem with the request.</summary>
    public static (PublicKey? Key, string? Problem) Check(RegisterHostRequest body, HostTrust trust)
    {
        var https = body.GrpcAddress!.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
        if (!https)
        {
            return trust.Insecure
                ? (null, null)
                : (null, $"grpc_address must be an https:// address: host agents serve gRPC over mutual TLS. Plaintext http:// is only for development, with {HostTrustOptions.Section}:Insecure=true.");
        }
        if (trust.Authority is null)
        {
            return (null, $"grpc_address is https://, but this control plane has no CA to issue the host a certificate ({HostTrustOptions.Section}:CaCertificatePath and CaKeyPath are not set).");
        }
        return SigningRequests.Read(body.Csr);
    }
}
