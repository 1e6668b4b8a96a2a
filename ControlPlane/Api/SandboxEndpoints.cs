using System.Security.Claims;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Http;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.ControlPlane.Preconditions;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary><c>/v1/sandboxes</c>: every lifecycle call answers 202 with the sandbox already in its transient state.</summary>
public static class SandboxEndpoints
{
    public static IEndpointRouteBuilder MapSandboxes(this IEndpointRouteBuilder app)
    {
        var group = app.MapSandboxGroup();
        group.MapPost("/", Create).WithName("createSandbox").WithSummary("Create a sandbox")
            .ReadsOptionalBody<CreateSandboxRequest>()
            .AcceptsIdempotencyKey()
            .WithMetadata(new NotRepeatableAfterBreak(UnlessHeader: HeaderNames.IdempotencyKey));
        group.MapGet("/", List).WithName("listSandboxes").WithSummary("List sandboxes, newest first")
            .ProducesHeader(HeaderNames.Link, StatusCodes.Status200OK)
            .ProducesProblem(StatusCodes.Status400BadRequest) // its query is read whole (SandboxListQuery), not bound
            .AddOpenApiOperationTransformer(SandboxListDocumentation.DescribeTeamListAsync);
        group.MapGet("/{id}", Get).WithName("getSandbox").WithSummary("Read a sandbox").AboutOneSandbox().AcceptsIfNoneMatch();
        group.MapPost("/{id}/pause", Pause).WithName("pauseSandbox").WithSummary("Pause a running sandbox").ChangesOneSandbox();
        group.MapPost("/{id}/resume", Resume).WithName("resumeSandbox").WithSummary("Resume a paused sandbox").ChangesOneSandbox();
        group.MapDelete("/{id}", Destroy).WithName("destroySandbox").WithSummary("Destroy a sandbox").ChangesOneSandbox();
        return app;
    }

    public static async Task<Results<Accepted<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, StrictJson json, SandboxAnswers answers, OperationRequests operations, CancellationToken ct)
    {
        var (headers, badHeaders) = await ChangeHeaders.ReadAsync(request, user.TeamId(), answers, _ => StatusCodes.Status202Accepted, ct);
        if (headers is null)
        {
            return Problem(badHeaders!);
        }
        var body = await json.ReadValidAsync(request, new CreateSandboxRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var create = body.Value;
        var sandbox = new NewSandbox(Guid.CreateVersion7(), user.TeamId(), create.Template, create.Vcpus, create.MemoryMb,
            create.TimeoutSec, create.Policy(), create.MaxLifetimeSec, create.MetadataJson());
        return await operations.CreateAsync(sandbox, headers.Idempotency, ct) switch
        {
            RequestOutcome.Accepted accepted => SandboxAnswers.Accepted(request.HttpContext.Response, accepted.Sandbox),
            RequestOutcome.Replayed replayed => new ReplayedAnswer(replayed.Answer),
            RequestOutcome.KeyReused reused => SandboxAnswers.KeyReused(reused.Earlier),
            RequestOutcome.TooBig big => Problem(Problems.TooBig(big.Resource, big.Largest)),
            RequestOutcome.QuotaExceeded over => Problem(Problems.QuotaExceeded(over.Breach)),
            RequestOutcome.NoCapacity full => CapacityAnswers.NoCapacity(request.HttpContext.Response, full.Resource),
            _ => CapacityAnswers.NoHost(request.HttpContext.Response),
        };
    }

    /// <summary>A page of the team's sandboxes that the query's filters show (<see cref="SandboxListQuery"/>), newest first.</summary>
    public static async Task<Results<Ok<SandboxPage>, ProblemHttpResult>> List(
        HttpRequest request, ClaimsPrincipal user, SandboxStore store, CancellationToken ct) =>
        await ListAsync(request, user.TeamId(), hostId: null, store, ct);

    /// <summary>One page of a listing, with <c>Link: &lt;…&gt;; rel="next"</c> beside <c>next_cursor</c> when there is more.</summary>
    public static async Task<Results<Ok<SandboxPage>, ProblemHttpResult>> ListAsync(
        HttpRequest request, Guid? teamId, Guid? hostId, SandboxStore store, CancellationToken ct)
    {
        if (!SandboxListQuery.TryRead(request.Query, teamId, hostId, out var query, out var problem))
        {
            return Problem(problem);
        }
        var rows = await store.ListAsync(query.Filter, query.Cursor, query.Limit, ct);
        Guid? next = rows.Count == query.Limit ? rows[^1].Id : null;
        if (next is { } cursor)
        {
            request.HttpContext.Response.Headers.Link = SandboxListQuery.NextLink(request, cursor);
        }
        return TypedResults.Ok(new SandboxPage([.. rows.Select(SandboxResponse.From)], next?.ToString()));
    }

    /// <summary>The sandbox with its <c>ETag</c>; 304 without a body when <c>If-None-Match</c> names it as it is.</summary>
    public static async Task<Results<Ok<SandboxResponse>, StatusCodeHttpResult, ProblemHttpResult>> Get(
        string id, HttpRequest request, ClaimsPrincipal user, SandboxStore store, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        var row = await store.GetAsync(user.TeamId(), sandboxId, ct);
        if (row is null)
        {
            return Problem(Problems.NotFound(sandboxId));
        }
        if (IfMatch.NoneMatchHits(request, row))
        {
            request.HttpContext.Response.Headers.ETag = SandboxETag.Of(row);
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }
        return SandboxAnswers.Ok(request.HttpContext.Response, row);
    }

    public static Task<Results<Accepted<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> Pause(
        string id, HttpRequest request, ClaimsPrincipal user, SandboxAnswers answers, OperationRequests operations, CancellationToken ct) =>
        RequestAsync(SandboxOperation.Pause, id, request, user, answers, operations, ct);

    public static Task<Results<Accepted<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> Resume(
        string id, HttpRequest request, ClaimsPrincipal user, SandboxAnswers answers, OperationRequests operations, CancellationToken ct) =>
        RequestAsync(SandboxOperation.Resume, id, request, user, answers, operations, ct);

    public static Task<Results<Accepted<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> Destroy(
        string id, HttpRequest request, ClaimsPrincipal user, SandboxAnswers answers, OperationRequests operations, CancellationToken ct) =>
        RequestAsync(SandboxOperation.Destroy, id, request, user, answers, operations, ct);

    private static async Task<Results<Accepted<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> RequestAsync(
        SandboxOperation operation, string id, HttpRequest request, ClaimsPrincipal user, SandboxAnswers answers, OperationRequests operations,
        CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        var (headers, badHeaders) = await ChangeHeaders.ReadAsync(request, user.TeamId(), answers, _ => StatusCodes.Status202Accepted, ct);
        if (headers is null)
        {
            return Problem(badHeaders!);
        }
        var teamId = user.TeamId();
        var asked = new OperationRequest(operation, teamId, sandboxId, Actors.Team(teamId), CountsAgainstQuota: true,
            Idempotency: headers.Idempotency, IfMatch: headers.IfMatch);
        return await operations.RequestAsync(asked, ct) switch
        {
            RequestOutcome.Accepted accepted => SandboxAnswers.Accepted(request.HttpContext.Response, accepted.Sandbox),
            RequestOutcome.Replayed replayed => new ReplayedAnswer(replayed.Answer),
            RequestOutcome.KeyReused reused => SandboxAnswers.KeyReused(reused.Earlier),
            RequestOutcome.PreconditionFailed failed => SandboxAnswers.PreconditionFailed(request.HttpContext.Response, operation.Name, failed.Sandbox),
            RequestOutcome.Conflict conflict => Problem(Problems.Conflict(operation.Name, conflict.Current)),
            RequestOutcome.QuotaExceeded over => Problem(Problems.QuotaExceeded(over.Breach)),
            RequestOutcome.NoCapacity full => CapacityAnswers.NoCapacity(request.HttpContext.Response, full.Resource),
            RequestOutcome.LifetimeEnded ended => Problem(Problems.LifetimeEnded(operation.Name, ended.Sandbox.Status, ended.Sandbox.LifetimeEndsAt)),
            _ => Problem(Problems.NotFound(sandboxId)),
        };
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
