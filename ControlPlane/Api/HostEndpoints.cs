using System.Diagnostics;
using System.Security.Claims;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Http;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Lifecycle.Infrastructure.Trust;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>/v1/hosts</c>: operators (admin key) register, list, cordon, uncordon and decommission hosts and
/// read a host's history; a host (its own token) heartbeats and reports auto-pauses and exits.
/// <c>POST /v1/reconcile</c> asks the HostMonitor for a pass now.
/// </summary>
public static class HostEndpoints
{
    public static IEndpointRouteBuilder MapHosts(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/v1").RequireAuthorization(AdminKeyAuthentication.SchemeName).WithTags("hosts (admin)");
        admin.MapPost("/hosts", Register).WithName("registerHost").WithSummary("Register a host")
            .ReadsBody<RegisterHostRequest>().ProducesProblem(StatusCodes.Status409Conflict)
            .WithMetadata(new NotRepeatableAfterBreak());
        admin.MapGet("/hosts", List).WithName("listHosts").WithSummary("List hosts");
        admin.MapGet("/hosts/{id}", Get).WithName("getHost").WithSummary("Read a host").ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/hosts/{id}/history", History).WithName("getHostHistory").WithSummary("Read a host's status changes, oldest first")
            .ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapGet("/hosts/{id}/sandboxes", Sandboxes).WithName("listHostSandboxes").WithSummary("List a host's sandboxes, of every team, newest first")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesHeader(HeaderNames.Link, StatusCodes.Status200OK)
            .AddOpenApiOperationTransformer(SandboxListDocumentation.DescribeHostListAsync);
        admin.MapPost("/hosts/{id}/cordon", Cordon).WithName("cordonHost").WithSummary("Give a host no new sandboxes").ChangesOneHost();
        admin.MapPost("/hosts/{id}/uncordon", Uncordon).WithName("uncordonHost").WithSummary("Return a host to service, ending a drain").ChangesOneHost();
        admin.MapPost("/hosts/{id}/decommission", Decommission).WithName("decommissionHost").WithSummary("Take a host out of service for good")
            .ReadsOptionalBody<HostTransitionRequest>().ProducesProblem(StatusCodes.Status404NotFound);
        admin.MapPost("/reconcile", Reconcile).WithName("requestReconcilePass").WithSummary("Ask the HostMonitor for a pass now");
        var agents = app.MapGroup("/v1/hosts").RequireAuthorization(HostTokenAuthentication.SchemeName).WithTags("host agents");
        agents.MapPost("/{id}/heartbeat", Heartbeat).WithName("sendHeartbeat").WithSummary("A host's heartbeat, with its capacity when it reports one")
            .ReadsOptionalBody<HeartbeatRequest>().ProducesProblem(StatusCodes.Status403Forbidden);
        agents.MapPost("/sandbox-events", Report).WithName("reportSandboxEvent").WithSummary("A host's report of an auto-pause or an exit")
            .ReadsBody<SandboxEventReport>()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>Cordon and uncordon: an optional reason; 404 for an unknown host, 409 when the host transition table has no row from its status.</summary>
    private static RouteHandlerBuilder ChangesOneHost(this RouteHandlerBuilder builder) => builder
        .ReadsOptionalBody<HostTransitionRequest>()
        .ProducesProblem(StatusCodes.Status404NotFound)
        .ProducesProblem(StatusCodes.Status409Conflict);

    /// <summary>The host is <c>registered</c>: it is given no sandbox until its first heartbeat.</summary>
    public static async Task<Results<Created<HostResponse>, ProblemHttpResult>> Register(
        HttpRequest request, StrictJson json, HostResponses responses, HostTrust trust, HostRegistrations registrations, CancellationToken ct)
    {
        var body = await json.ReadValidAsync(request, new RegisterHostRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var (key, untrusted) = HostEnrollment.Check(body.Value, trust);
        if (untrusted is not null)
        {
            return Problem(Problems.BadRequest(untrusted));
        }
        return await registrations.RegisterAsync(body.Value.Name!, body.Value.GrpcAddress!, body.Value.Capacity?.ToResources(), key, ct) switch
        {
            HostRegistrationOutcome.Registered(var row, var token, var grant) =>
                TypedResults.Created($"/v1/hosts/{row.Id}", responses.Of(row, token, grant)),
            _ => Problem(Problems.Make(StatusCodes.Status409Conflict, "Host name in use",
                $"A host named '{body.Value.Name}' is in service. Decommission it first; a re-registered machine is a new host.")),
        };
    }

    public static async Task<Ok<HostList>> List(HostStore hosts, HostResponses responses, CancellationToken ct) =>
        TypedResults.Ok(new HostList(await HostDrainViews.WithDrainsAsync([.. (await hosts.ListAsync(ct)).Select(row => responses.Of(row))], hosts, ct)));

    /// <summary>
    /// The sandboxes on a host, of every team (or of <c>team_id</c>), with the filters of a team's listing; 404 for a
    /// host that was never registered.
    /// </summary>
    public static async Task<Results<Ok<SandboxPage>, ProblemHttpResult>> Sandboxes(
        string id, HttpRequest request, HostStore hosts, SandboxStore sandboxes, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        if (await hosts.GetAsync(hostId, ct) is null)
        {
            return Problem(NotFound(hostId));
        }
        return await SandboxEndpoints.ListAsync(request, teamId: null, hostId, sandboxes, ct);
    }

    public static async Task<Results<Ok<HostResponse>, ProblemHttpResult>> Get(string id, HostStore hosts, HostResponses responses, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        return await hosts.GetAsync(hostId, ct) is { } row
            ? TypedResults.Ok(await HostDrainViews.WithDrainAsync(responses.Of(row), hosts, ct))
            : Problem(NotFound(hostId));
    }

    /// <summary>Every change of the host's status, oldest first: who made it and why.</summary>
    public static async Task<Results<Ok<HostHistory>, ProblemHttpResult>> History(string id, HostStore hosts, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        if (await hosts.GetAsync(hostId, ct) is not { } row)
        {
            return Problem(NotFound(hostId));
        }
        var history = await hosts.HistoryAsync(hostId, ct);
        return TypedResults.Ok(new HostHistory(row.Id, row.Status.ToWire(), [.. history.Select(HostTransitionResponse.Of)]));
    }

    /// <summary>No new sandbox is placed on the host; the ones it runs carry on and are reconciled as before.</summary>
    public static Task<Results<Ok<HostResponse>, ProblemHttpResult>> Cordon(string id, HttpRequest request, HostTransitionEndpoint transitions, CancellationToken ct) =>
        transitions.ApplyAsync(id, HostEventTypes.Cordoned, "cordon", request, ct);

    /// <summary>The host takes new sandboxes again (a drain under way ends; what it paused or destroyed stays so).</summary>
    public static Task<Results<Ok<HostResponse>, ProblemHttpResult>> Uncordon(string id, HttpRequest request, HostTransitionEndpoint transitions, CancellationToken ct) =>
        transitions.ApplyAsync(id, HostEventTypes.Uncordoned, "uncordon", request, ct);

    /// <summary>
    /// Revokes the token and the host's certificates at once; the HostMonitor then moves the host's
    /// sandboxes to missing and on to stopped.
    /// </summary>
    public static Task<Results<Ok<HostResponse>, ProblemHttpResult>> Decommission(string id, HttpRequest request, HostTransitionEndpoint transitions, CancellationToken ct) =>
        transitions.ApplyAsync(id, HostEventTypes.Decommissioned, "decommission", request, ct);

    /// <summary>
    /// 202 when a replica running the HostMonitor heard the request (replicas listen while they hold shards
    /// of hosts); 503 with <c>Retry-After</c> when none does at the moment (Postgres away, the HostMonitor
    /// disabled), so nothing would run it.
    /// </summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> Reconcile(HttpResponse response, ReconcileRequests reconcile)
    {
        if (await reconcile.RequestAsync(null) > 0)
        {
            return TypedResults.Accepted((string?)null);
        }
        response.Headers.RetryAfter = "2";
        return Problem(Problems.Make(StatusCodes.Status503ServiceUnavailable, "No HostMonitor running",
            "No replica runs the HostMonitor at the moment, so nothing would run the pass; replicas take the hosts back within seconds " +
            "of Postgres answering (is Lifecycle:HostMonitor:Enabled true on some replica?). Retry after the time in Retry-After."));
    }

    /// <summary>
    /// A host's heartbeat (<see cref="HostHeartbeats"/>), with the capacity it lends its sandboxes when it reports one:
    /// 202; 400 for a capacity out of range; 403 for another host; 401 once it is decommissioned.
    /// </summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> Heartbeat(
        string id, HttpRequest request, StrictJson json, ClaimsPrincipal host, HostHeartbeats heartbeats, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        if (host.FindFirstValue(HostTokenAuthentication.HostIdClaim) != hostId.ToString())
        {
            return Problem(Problems.Make(StatusCodes.Status403Forbidden, "Forbidden", "A host may only heartbeat for itself."));
        }
        var body = await json.ReadValidAsync(request, new HeartbeatRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        return await heartbeats.BeatAsync(hostId, body.Value.Capacity?.ToResources(), ct)
            ? TypedResults.Accepted((string?)null)
            // Decommissioned between authentication and now.
            : Problem(Problems.Make(StatusCodes.Status401Unauthorized, "Unauthorized", "This host is decommissioned."));
    }

    /// <summary>
    /// A host's report of an auto-pause or an exit: 202 once the event is on the stream, for the
    /// consumer to apply. Only for sandboxes on the reporting host (403 otherwise, 404 when unknown);
    /// a report already applied, or repeated, is 202 and writes nothing twice; one older than a report
    /// already received, or one the sandbox's status no longer allows, is 409.
    /// </summary>
    public static async Task<Results<Accepted, ProblemHttpResult>> Report(
        HttpRequest request, ClaimsPrincipal host, StrictJson json, HostReports reports, CancellationToken ct)
    {
        var body = await json.ReadValidAsync(request, new SandboxEventReport(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var hostId = Guid.Parse(host.FindFirstValue(HostTokenAuthentication.HostIdClaim)!);
        return Answer(await reports.ReportAsync(body.Value.From(hostId), ct), body.Value);
    }

    private static Results<Accepted, ProblemHttpResult> Answer(HostReportOutcome outcome, SandboxEventReport report) => outcome switch
    {
        HostReportOutcome.Published or HostReportOutcome.AlreadyApplied => TypedResults.Accepted((string?)null),
        HostReportOutcome.SandboxNotFound =>
            Problem(Problems.Make(StatusCodes.Status404NotFound, "Sandbox not found", $"No sandbox {report.SandboxId} exists.")),
        HostReportOutcome.NotOnHost =>
            Problem(Problems.Make(StatusCodes.Status403Forbidden, "Forbidden", "A host may only report on sandboxes it runs.")),
        HostReportOutcome.Stale => Problem(Problems.Make(StatusCodes.Status409Conflict, "Stale report",
            $"A newer report about sandbox {report.SandboxId} was already received (sequence above {report.Sequence}).")),
        HostReportOutcome.Conflict conflict => Problem(Problems.Conflict($"report {report.Type} for", conflict.Current)),
        _ => throw new UnreachableException($"Unknown outcome {outcome}."),
    };

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);

    private static ProblemDetails NotFound(Guid id) => HostTransitionEndpoint.NotFound(id);
}
