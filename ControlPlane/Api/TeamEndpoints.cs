using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.Infrastructure.Trust;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>/v1/teams</c> (admin key): create teams, give them API keys (shown once, stored as hashes),
/// revoke keys (they stop working on the next request).
/// </summary>
public static class TeamEndpoints
{
    public const string KeyPrefix = "lck_";
    public const int MaxNameLength = 64;

    [JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
    public sealed record CreateTeamRequest(
        [property: Required, RegularExpression(Slug.Pattern), StringLength(MaxNameLength, MinimumLength = 1)] string? Name = null) : IValidatable
    {
        public string? Validate() => Slug.IsValid(Name, MaxNameLength) ? null : Slug.Describe("name", MaxNameLength);
    }

    public sealed record TeamResponse(Guid Id, string Name, DateTime CreatedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] KeyResponse? ApiKey = null);

    public sealed record TeamList(IReadOnlyList<TeamResponse> Teams);

    /// <summary>A key; <c>key</c> itself only in the answer that created it.</summary>
    public sealed record KeyResponse(Guid Id, Guid TeamId, DateTime CreatedAt, DateTime? RevokedAt,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Key = null);

    public static IEndpointRouteBuilder MapTeams(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1/teams").RequireAuthorization(AdminKeyAuthentication.SchemeName).WithTags("teams (admin)");
        admin.MapPost("/", Create).WithName("createTeam").WithSummary("Create a team and its first API key")
            .ReadsBody<CreateTeamRequest>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new NotRepeatableAfterBreak());
        admin.MapGet("/", List).WithName("listTeams").WithSummary("List teams");
        admin.MapPost("/{id}/keys", AddKey).WithName("createTeamKey").WithSummary("Give a team another API key")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .WithMetadata(new NotRepeatableAfterBreak());
        admin.MapDelete("/{id}/keys/{keyId}", RevokeKey).WithName("revokeTeamKey").WithSummary("Revoke a team's API key")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>A team and its first key.</summary>
    public static async Task<Results<Created<TeamResponse>, ProblemHttpResult>> Create(
        HttpRequest request, StrictJson json, TeamStore teams, CancellationToken ct)
    {
        var body = await json.ReadValidAsync(request, new CreateTeamRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var name = body.Value.Name!;
        var team = await teams.CreateTeamAsync(name, ct);
        if (team is null)
        {
            return Problem(Problems.Make(StatusCodes.Status409Conflict, "Team name in use", $"A team named '{name}' exists."));
        }
        var key = SecretHash.NewSecret(KeyPrefix);
        var row = await teams.AddKeyAsync(team.Id, key, ct);
        return TypedResults.Created($"/v1/teams/{team.Id}", new TeamResponse(team.Id, team.Name, team.CreatedAt, Key(row!, key)));
    }

    public static async Task<Ok<TeamList>> List(TeamStore teams, CancellationToken ct) =>
        TypedResults.Ok(new TeamList([.. (await teams.ListTeamsAsync(ct)).Select(t => new TeamResponse(t.Id, t.Name, t.CreatedAt))]));

    public static async Task<Results<Created<KeyResponse>, ProblemHttpResult>> AddKey(string id, TeamStore teams, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "team", out var teamId, out var badId))
        {
            return Problem(badId);
        }
        var key = SecretHash.NewSecret(KeyPrefix);
        var row = await teams.AddKeyAsync(teamId, key, ct);
        return row is null
            ? Problem(Problems.Make(StatusCodes.Status404NotFound, "Team not found", $"No team {teamId} exists."))
            : TypedResults.Created($"/v1/teams/{teamId}/keys/{row.Id}", Key(row, key));
    }

    public static async Task<Results<Ok<KeyResponse>, ProblemHttpResult>> RevokeKey(string id, string keyId, TeamStore teams, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "team", out var teamId, out var badId))
        {
            return Problem(badId);
        }
        if (!PathIds.TryParse(keyId, "key", out var key, out badId))
        {
            return Problem(badId);
        }
        var row = await teams.RevokeKeyAsync(teamId, key, ct);
        return row is null
            ? Problem(Problems.Make(StatusCodes.Status404NotFound, "Key not found", $"Team {teamId} has no key {key}."))
            : TypedResults.Ok(Key(row, null));
    }

    private static KeyResponse Key(ApiKeyRow row, string? key) => new(row.Id, row.TeamId, row.CreatedAt, row.RevokedAt, key);

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
