using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.Api;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>
/// <c>POST /v1/hosts/{id}/drain</c> (admin key). The drain itself is driven by the replica that owns the host
/// (<see cref="DrainDriver"/>); its state lives on the host's row, and the host JSON shows it (<see cref="HostDrainViews"/>).
/// </summary>
public static class DrainEndpoints
{
    /// <summary>Maps the drain route into the admin group of <c>/v1/hosts</c>.</summary>
    public static IEndpointRouteBuilder MapDrains(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/v1").RequireAuthorization(AdminKeyAuthentication.SchemeName).WithTags("hosts (admin)")
            .MapPost("/hosts/{id}/drain", Drain).WithName("drainHost").WithSummary("Drain a host: pause, destroy or wait out its sandboxes")
            .ReadsBody<DrainHostRequest>()
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>
    /// 202 with the host, now draining; 400 for a bad body, 404 for an unknown host, 409 when the host's
    /// status does not allow a drain (a drain already under way names its mode and deadline).
    /// </summary>
    public static async Task<Results<Accepted<HostResponse>, ProblemHttpResult>> Drain(
        string id, HttpRequest request, StrictJson json, HostStore hosts, HostResponses responses, HostDrains drains, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        var body = await json.ReadValidAsync(request, new DrainHostRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        return await drains.StartAsync(hostId, body.Value.ModeValue, body.Value.DeadlineSec!.Value, body.Value.Reason, ct) switch
        {
            HostDrainOutcome.Started started =>
                TypedResults.Accepted($"/v1/hosts/{hostId}", await HostDrainViews.WithDrainAsync(responses.Of(started.Host), hosts, ct)),
            HostDrainOutcome.UnderWay underWay => Problem(UnderWay(underWay.Drain)),
            HostDrainOutcome.NotDrainable notDrainable => Problem(NotDrainable(notDrainable.Current)),
            _ => Problem(HostTransitionEndpoint.NotFound(hostId)),
        };
    }

    private static ProblemDetails UnderWay(HostDrain? drain)
    {
        var problem = Problems.Make(StatusCodes.Status409Conflict, "Drain under way",
            drain is null
                ? "The host is already draining. Uncordon it to cancel that drain, then drain it again."
                : $"The host is already draining in mode {drain.DrainMode} until {drain.DrainDeadline:O}. Uncordon it to cancel that drain, then drain it again.");
        problem.Extensions["current_status"] = HostStatus.Draining.ToWire();
        if (drain is not null)
        {
            problem.Extensions["drain_mode"] = drain.DrainMode;
            problem.Extensions["drain_deadline"] = drain.DrainDeadline;
        }
        return problem;
    }

    private static ProblemDetails NotDrainable(HostStatus current)
    {
        var why = current switch
        {
            HostStatus.Registered => " It has never heartbeated, so it has nothing to drain.",
            HostStatus.Drained => " It is drained already; uncordon it to return it to service.",
            HostStatus.Decommissioned => " It is out of service for good.",
            _ => "",
        };
        var problem = Problems.Make(StatusCodes.Status409Conflict, "Host cannot be drained", $"Cannot drain a host that is {current.ToWire()}.{why}");
        problem.Extensions["current_status"] = current.ToWire();
        return problem;
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
