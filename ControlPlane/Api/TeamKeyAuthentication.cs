using System.Security.Claims;
using System.Text.Encodings.Web;
using Lifecycle.Core.Store;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>Authorization: Bearer KEY</c> with a team API key. The key is looked up by its hash on every
/// request, so a revoked key stops working on the next one.
/// </summary>
public sealed class TeamKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TeamStore teams,
    IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "TeamKey";
    public const string TeamIdClaim = "team_id";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }
        var key = header["Bearer ".Length..].Trim();
        if (key.Length is 0 or > 256)
        {
            return AuthenticateResult.Fail("malformed API key");
        }
        var teamId = await teams.FindTeamByKeyAsync(key, Context.RequestAborted).ConfigureAwait(false);
        if (teamId is null)
        {
            return AuthenticateResult.Fail("unknown or revoked API key");
        }
        var identity = new ClaimsIdentity([new Claim(TeamIdClaim, teamId.Value.ToString())], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = Problems.Make(StatusCodes.Status401Unauthorized, "Unauthorized",
                "Send a valid team API key as 'Authorization: Bearer <key>'."),
        }).ConfigureAwait(false);
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = Problems.Make(StatusCodes.Status403Forbidden, "Forbidden", "This key may not call this endpoint."),
        }).ConfigureAwait(false);
    }
}

/// <summary>Reads the authenticated team from the principal.</summary>
public static class TeamPrincipal
{
    public static Guid TeamId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(TeamKeyAuthentication.TeamIdClaim)
            ?? throw new InvalidOperationException("endpoint is not behind team authentication"));
}
