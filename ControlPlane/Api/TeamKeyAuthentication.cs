using System.ComponentModel;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.ControlPlane.Teams;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>A team API key, looked up by its hash.</summary>
[Description("A team's API key (lck_…), for /v1/sandboxes and /v1/quota.")]
public sealed class TeamKeyAuthentication(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    TeamStore teams,
    IProblemDetailsService problems,
    RideThrough rideThrough)
    : BearerAuthentication(options, loggerFactory, encoder, problems, rideThrough)
{
    public const string SchemeName = "TeamKey";
    public const string TeamIdClaim = "team_id";

    protected override string Expected => "a valid team API key";

    protected override async Task<Claim[]?> ClaimsForAsync(string secret, CancellationToken ct) =>
        await teams.FindTeamByKeyAsync(secret, ct) is { } teamId
            ? [new Claim(TeamIdClaim, teamId.ToString())]
            : null;
}

/// <summary>Reads the authenticated team from the principal.</summary>
public static class TeamPrincipal
{
    public static Guid TeamId(this ClaimsPrincipal user) =>
        Guid.Parse(user.FindFirstValue(TeamKeyAuthentication.TeamIdClaim)
            ?? throw new InvalidOperationException("endpoint is not behind team authentication"));
}
