using System.Security.Claims;
using Lifecycle.Core.Sandboxes;
using Lifecycle.Core.Security;
using Lifecycle.Core.Store;
using Lifecycle.Core.Streams;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>/v1/hosts</c>: operators (admin key) register, list and decommission hosts; a host (its own
/// token) heartbeats. <c>POST /v1/reconcile</c> asks the HostMonitor for a pass now.
/// </summary>
public static class HostEndpoints
{
    public const string TokenPrefix = "lch_";

    public static IEndpointRouteBuilder MapHosts(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1").RequireAuthorization(AdminKeyAuthentication.SchemeName);
        admin.MapPost("/hosts", Register);
        admin.MapGet("/hosts", List);
        admin.MapGet("/hosts/{id}", Get);
        admin.MapPost("/hosts/{id}/decommission", Decommission);
        admin.MapPost("/reconcile", Reconcile);
        app.MapPost("/v1/hosts/{id}/heartbeat", Heartbeat).RequireAuthorization(HostTokenAuthentication.SchemeName);
        return app;
    }

    public static async Task<Results<Created<HostResponse>, ProblemHttpResult>> Register(
        HttpRequest request, StrictJson json, HostStore hosts, CancellationToken ct)
    {
        var body = await json.ReadAsync(request, new RegisterHostRequest(), ct);
        if (body.Value is null)
        {
            return Problem(Problems.Make(body.Status, "Invalid request", body.Error!));
        }
        if (body.Value.Validate() is { } invalid)
        {
            return Problem(Problems.BadRequest(invalid));
        }
        var token = SecretHash.NewSecret(TokenPrefix);
        var row = await hosts.RegisterAsync(body.Value.Name!, body.Value.GrpcAddress!.TrimEnd('/'), token, ct);
        if (row is null)
        {
            return Problem(Problems.Make(StatusCodes.Status409Conflict, "Host name in use",
                $"A host named '{body.Value.Name}' is in service. Decommission it first; a re-registered machine is a new host."));
        }
        return TypedResults.Created($"/v1/hosts/{row.Id}", HostResponse.From(row, token));
    }

    public static async Task<Ok<HostList>> List(HostStore hosts, CancellationToken ct) =>
        TypedResults.Ok(new HostList([.. (await hosts.ListAsync(ct)).Select(row => HostResponse.From(row))]));

    public static async Task<Results<Ok<HostResponse>, ProblemHttpResult>> Get(string id, HostStore hosts, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var hostId))
        {
            return Problem(Problems.BadId(id, "host"));
        }
        return await hosts.GetAsync(hostId, ct) is { } row ? TypedResults.Ok(HostResponse.From(row)) : Problem(NotFound(hostId));
    }

    /// <summary>Revokes the token at once; the HostMonitor then moves the host's sandboxes to missing and on to stopped.</summary>
    public static async Task<Results<Ok<HostResponse>, ProblemHttpResult>> Decommission(
        string id, HostStore hosts, ReconcileRequests reconcile, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var hostId))
        {
            return Problem(Problems.BadId(id, "host"));
        }
        var row = await hosts.DecommissionAsync(hostId, ct);
        if (row is null)
        {
            return Problem(NotFound(hostId));
        }
        await reconcile.RequestAsync(null);
        return TypedResults.Ok(HostResponse.From(row));
    }

    public static async Task<Accepted> Reconcile(ReconcileRequests reconcile)
    {
        await reconcile.RequestAsync(null);
        return TypedResults.Accepted((string?)null);
    }

    /// <summary>A host's heartbeat. One that comes back from unreachable gets a pass of its own at once.</summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> Heartbeat(
        string id, ClaimsPrincipal host, HostStore hosts, ReconcileRequests reconcile, CancellationToken ct)
    {
        if (!Guid.TryParse(id, out var hostId))
        {
            return Problem(Problems.BadId(id, "host"));
        }
        if (host.FindFirstValue(HostTokenAuthentication.HostIdClaim) != hostId.ToString())
        {
            return Problem(Problems.Make(StatusCodes.Status403Forbidden, "Forbidden", "A host may only heartbeat for itself."));
        }
        var before = await hosts.HeartbeatAsync(hostId, ct);
        if (before is null)
        {
            // Decommissioned between authentication and now.
            return Problem(Problems.Make(StatusCodes.Status401Unauthorized, "Unauthorized", "This host is decommissioned."));
        }
        if (before == HostStatus.Unreachable)
        {
            await reconcile.RequestAsync(hostId);
        }
        return TypedResults.Accepted((string?)null);
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);

    private static ProblemDetails NotFound(Guid id) =>
        Problems.Make(StatusCodes.Status404NotFound, "Host not found", $"No host {id} exists.");
}
