using System.Diagnostics;
using System.Security.Claims;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.Infrastructure.Trust;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>POST /v1/hosts/{id}/certificate</c>: a host renews its certificate before it expires. Two proofs:
/// its token (bearer, as for heartbeats) and a signature by its current certificate's key over the new
/// CSR. The signature travels in the body, not as TLS client authentication, because the API sits behind
/// load balancers that proxy HTTP: a signed body survives any proxy (as ACME's signed requests do).
/// </summary>
public static class HostCertificateEndpoints
{
    public static IEndpointRouteBuilder MapHostCertificates(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/hosts").RequireAuthorization(HostTokenAuthentication.SchemeName).WithTags("host agents")
            .MapPost("/{id}/certificate", Renew).WithName("renewHostCertificate").WithSummary("Renew a host's certificate")
            .ReadsBody<RenewCertificateRequest>()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    public static async Task<Results<Ok<CertificateResponse>, ProblemHttpResult>> Renew(
        string id, HttpRequest request, ClaimsPrincipal host, StrictJson json, CertificateRenewals renewals, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        if (host.FindFirstValue(HostTokenAuthentication.HostIdClaim) != hostId.ToString())
        {
            return Problem(Problems.Make(StatusCodes.Status403Forbidden, "Forbidden", "A host may only renew its own certificate."));
        }
        var body = await json.ReadAsync(request, new RenewCertificateRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var (key, csrProblem) = SigningRequests.Read(body.Value.Csr);
        if (key is null)
        {
            return Problem(Problems.BadRequest(csrProblem!));
        }
        var (proof, proofProblem) = body.Value.DecodeProof();
        if (proof is null)
        {
            return Problem(Problems.BadRequest(proofProblem!));
        }
        var outcome = await renewals.RenewAsync(hostId, key, SigningRequests.Der(body.Value.Csr!)!, proof, ct);
        return outcome switch
        {
            CertificateRenewalOutcome.Renewed { Grant: var grant } =>
                TypedResults.Ok(new CertificateResponse(grant.Certificate, grant.CaCertificate, grant.ExpiresAt)),
            CertificateRenewalOutcome.NoAuthority => Problem(Problems.Make(StatusCodes.Status409Conflict, "No CA",
                $"This control plane has no CA to issue certificates ({HostTrustOptions.Section}:CaCertificatePath and CaKeyPath are not set).")),
            CertificateRenewalOutcome.NoValidCertificate => Problem(Problems.Make(StatusCodes.Status403Forbidden, "No valid certificate",
                "This host has no certificate on record that is neither expired nor revoked, so nothing can vouch for the new key. " +
                "A host whose certificate lapsed registers anew (as a new host).")),
            CertificateRenewalOutcome.BadProof => Problem(Problems.Make(StatusCodes.Status401Unauthorized, "Unauthorized",
                "proof is not a signature by this host's current certificate's key over the new CSR's DER bytes.")),
            _ => throw new UnreachableException($"Unknown outcome {outcome}."),
        };
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}

/// <summary>A renewed certificate (PEM), the CA to trust (PEM), and when the certificate expires.</summary>
public sealed record CertificateResponse(string Certificate, string CaCertificate, DateTime CertificateExpiresAt);
