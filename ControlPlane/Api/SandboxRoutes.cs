namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// What every <c>/v1/sandboxes</c> route shares: its prefix, the team key, and the tag and problem
/// answers the OpenAPI document gives clients' generators.
/// </summary>
public static class SandboxRoutes
{
    public static RouteGroupBuilder MapSandboxGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/v1/sandboxes")
            .RequireAuthorization(TeamKeyAuthentication.SchemeName)
            .WithTags("sandboxes")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
}
