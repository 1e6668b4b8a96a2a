using System.Security.Claims;
using System.Text.Encodings.Web;
using Lifecycle.ControlPlane.Outages;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>Authorization: Bearer SECRET</c>, checked by a subclass on every request (so revoking a secret
/// takes effect on the next one), with problem+json 401 and 403 answers. A lookup that fails because
/// Postgres is away is waited out within the request's budget, and after that is an exception (answered
/// 503), never a 401: the credential may be perfectly good.
/// </summary>
public abstract class BearerAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IProblemDetailsService problems,
    RideThrough rideThrough)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    private const int MaxSecretLength = 256;

    /// <summary>What to send, for the 401's detail.</summary>
    protected abstract string Expected { get; }

    /// <summary>The claims for a valid secret, or null when it is unknown or revoked.</summary>
    protected abstract Task<Claim[]?> ClaimsForAsync(string secret, CancellationToken ct);

    protected sealed override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var secret = header["Bearer ".Length..].Trim();
        if (secret.Length is 0 or > MaxSecretLength)
        {
            return AuthenticateResult.Fail("malformed credentials");
        }
        // A lookup is a read: repeating it is always safe.
        var claims = await rideThrough.RunAsync(Context, repeatableAfterBreak: true,
            ct => new ValueTask<Claim[]?>(ClaimsForAsync(secret, ct)));
        if (claims is null)
        {
            return AuthenticateResult.Fail("unknown or revoked credentials");
        }
        var identity = new ClaimsIdentity(claims, Scheme.Name);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name));
    }

    protected sealed override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await WriteAsync(Problems.Make(StatusCodes.Status401Unauthorized, "Unauthorized", $"Send {Expected} as 'Authorization: Bearer <secret>'."));
    }

    protected sealed override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await WriteAsync(Problems.Make(StatusCodes.Status403Forbidden, "Forbidden", "These credentials may not call this endpoint."));
    }

    private async Task WriteAsync(Microsoft.AspNetCore.Mvc.ProblemDetails problem) =>
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = Context, ProblemDetails = problem });
}
