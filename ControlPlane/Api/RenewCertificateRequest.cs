using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The body of <c>POST /v1/hosts/{id}/certificate</c>: a new CSR, and the proof that the caller holds the
/// current certificate's key: <c>proof</c> = base64 of the signature, by that key, over the CSR's DER bytes.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record RenewCertificateRequest(
    [property: Required, Description("The new PKCS#10 certificate request (PEM).")]
    string? Csr = null,
    [property: Required, StringLength(RenewCertificateRequest.MaxProofLength), Description("Base64 of the signature, by the current certificate's key, over the new CSR's DER bytes.")]
    string? Proof = null)
{
    public const int MaxProofLength = 2048;

    /// <summary>The proof's bytes, or null with the problem.</summary>
    public (byte[]? Proof, string? Problem) DecodeProof()
    {
        if (Proof is not { Length: > 0 and <= MaxProofLength })
        {
            return (null, "proof must be the base64 signature, by the host's current private key, over the new CSR's DER bytes (ECDSA with SHA-256, or RSA PKCS#1 v1.5 with SHA-256).");
        }
        try
        {
            return (Convert.FromBase64String(Proof), null);
        }
        catch (FormatException)
        {
            return (null, "proof is not base64.");
        }
    }
}
