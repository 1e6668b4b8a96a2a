using System.Security.Claims;
using System.Text.Json;
using Lifecycle.ControlPlane.Api;
using Lifecycle.ControlPlane.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Quotas.Api;

/// <summary><c>GET /v1/quota</c> (a team's key: its limits and usage) and <c>PUT /v1/teams/{id}/quotas</c> (admin key).</summary>
public static class QuotaEndpoints
{
    public static IEndpointRouteBuilder MapQuotas(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1/quota").RequireAuthorization(TeamKeyAuthentication.SchemeName).WithTags("quotas")
            .MapGet("/", Get).WithName("getQuota").WithSummary("Read the team's quotas and what is in use");
        app.MapGroup("/v1/teams").RequireAuthorization(AdminKeyAuthentication.SchemeName).WithTags("teams (admin)")
            .MapPut("/{id}/quotas", Set).WithName("setTeamQuotas").WithSummary("Set a team's quotas")
            .ReadsOptionalBody<QuotaChanges>().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static async Task<Ok<QuotaView>> Get(ClaimsPrincipal user, TeamQuotas quotas, CancellationToken ct)
    {
        var (limits, usage) = await quotas.ViewAsync(user.TeamId(), ct);
        return TypedResults.Ok(QuotaView.Of(user.TeamId(), limits, usage));
    }

    /// <summary>200 with the team's quotas after the change; 400 for a bad body, 404 for an unknown team.</summary>
    public static async Task<Results<Ok<QuotaView>, ProblemHttpResult>> Set(
        string id, HttpRequest request, StrictJson json, TeamQuotas quotas, QuotaStore store, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "team", out var teamId, out var badId))
        {
            return Problem(badId);
        }
        var body = await json.ReadAsync(request, new Dictionary<string, JsonElement>(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var (limits, invalid) = SetQuotasRequest.Apply(body.Value, await quotas.LimitsAsync(teamId, ct));
        if (invalid is not null)
        {
            return Problem(Problems.BadRequest(invalid));
        }
        if (!await store.SetAsync(teamId, limits!, ct))
        {
            return Problem(Problems.Make(StatusCodes.Status404NotFound, "Team not found", $"No team {teamId} exists."));
        }
        var (now, usage) = await quotas.ViewAsync(teamId, ct);
        return TypedResults.Ok(QuotaView.Of(teamId, now, usage));
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
