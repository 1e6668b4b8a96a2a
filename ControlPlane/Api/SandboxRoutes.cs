using Lifecycle.ControlPlane.OpenApi;

namespace Lifecycle.ControlPlane.Api;

/// <summary>What every <c>/v1/sandboxes</c> route shares: its prefix, the team key and its tag in the OpenAPI document.</summary>
public static class SandboxRoutes
{
    public static RouteGroupBuilder MapSandboxGroup(this IEndpointRouteBuilder app) =>
        app.MapGroup("/v1/sandboxes")
            .RequireAuthorization(TeamKeyAuthentication.SchemeName)
            .WithTags("sandboxes");

    /// <summary>A route about one sandbox: 404 when the team has no sandbox of that id.</summary>
    public static RouteHandlerBuilder AboutOneSandbox(this RouteHandlerBuilder builder) =>
        builder.ProducesProblem(StatusCodes.Status404NotFound);

    /// <summary>
    /// A change to one sandbox (pause, resume, destroy, timeout, connect): 404, 409 naming its status, and the
    /// contract's <c>If-Match</c> and <c>Idempotency-Key</c>.
    /// </summary>
    public static RouteHandlerBuilder ChangesOneSandbox(this RouteHandlerBuilder builder) => builder
        .AboutOneSandbox()
        .ProducesProblem(StatusCodes.Status409Conflict)
        .AcceptsIfMatch()
        .AcceptsIdempotencyKey();
}
