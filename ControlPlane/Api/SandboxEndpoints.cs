using System.Security.Claims;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary><c>/v1/sandboxes</c>: every lifecycle call answers 202 with the sandbox already in its transient state.</summary>
public static class SandboxEndpoints
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;
    public const int MaxIdempotencyKeyLength = 200;

    public static IEndpointRouteBuilder MapSandboxes(this IEndpointRouteBuilder app)
    {
        var group = app.MapSandboxGroup();
        group.MapPost("/", Create).WithName("createSandbox").WithSummary("Create a sandbox")
            .ReadsOptionalBody<CreateSandboxRequest>()
            .AcceptsIdempotencyKey()
            .WithMetadata(new NotRepeatableAfterBreak(UnlessHeader: HeaderNames.IdempotencyKey));
        group.MapGet("/", List).WithName("listSandboxes").WithSummary("List sandboxes, newest first")
            .ProducesHeader(HeaderNames.Link, StatusCodes.Status200OK)
            .AddOpenApiOperationTransformer(SandboxListQuery.DescribeAsync);
        group.MapGet("/{id}", Get).WithName("getSandbox").WithSummary("Read a sandbox").AboutOneSandbox().AcceptsIfNoneMatch();
        group.MapPost("/{id}/pause", Pause).WithName("pauseSandbox").WithSummary("Pause a running sandbox").ChangesOneSandbox();
        group.MapPost("/{id}/resume", Resume).WithName("resumeSandbox").WithSummary("Resume a paused sandbox").ChangesOneSandbox();
        group.MapDelete("/{id}", Destroy).WithName("destroySandbox").WithSummary("Destroy a sandbox").ChangesOneSandbox();
        return app;
    }

    private const string NoCapacityRetryAfterSeconds = "5";

    public static async Task<Results<Accepted<SandboxResponse>, ProblemHttpResult>> Create(
        HttpRequest request, ClaimsPrincipal user, StrictJson json, OperationRequests operations, CancellationToken ct)
    {
        var body = await json.ReadValidAsync(request, new CreateSandboxRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var idempotencyKey = request.Headers[HeaderNames.IdempotencyKey].ToString();
        if (idempotencyKey.Length > MaxIdempotencyKeyLength || idempotencyKey.Any(c => c is < ' ' or > '~'))
        {
            return Problem(Problems.BadRequest($"Idempotency-Key must be at most {MaxIdempotencyKeyLength} printable ASCII characters."));
        }
        var create = body.Value;
        var sandbox = new NewSandbox(Guid.CreateVersion7(), user.TeamId(), create.Template, create.Vcpus, create.MemoryMb,
            create.TimeoutSec, create.Policy(), create.MaxLifetimeSec, create.MetadataJson(), idempotencyKey.Length == 0 ? null : idempotencyKey);
        return await operations.CreateAsync(sandbox, ct) switch
        {
            RequestOutcome.Accepted accepted => Accepted(accepted.Sandbox),
            RequestOutcome.QuotaExceeded over => Problem(Problems.QuotaExceeded(over.Breach)),
            _ => NoCapacity(request.HttpContext.Response),
        };
    }

    public static async Task<Results<Ok<SandboxPage>, ProblemHttpResult>> List(
        ClaimsPrincipal user, SandboxStore store, CancellationToken ct, string? status = null, string? limit = null, string? cursor = null)
    {
        SandboxStatus? statusFilter = null;
        if (status is not null)
        {
            if (!SandboxStatuses.TryParse(status, out var parsed))
            {
                return Problem(Problems.BadRequest($"status must be one of: {string.Join(", ", SandboxStatuses.WireNames)}."));
            }
            statusFilter = parsed;
        }
        var pageSize = DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, out pageSize) || pageSize is < 1 or > MaxPageSize))
        {
            return Problem(Problems.BadRequest($"limit must be a whole number from 1 to {MaxPageSize}."));
        }
        Guid? before = null;
        if (cursor is not null)
        {
            if (!Guid.TryParse(cursor, out var parsedCursor))
            {
                return Problem(Problems.BadRequest("cursor must be a next_cursor value from a previous page."));
            }
            before = parsedCursor;
        }
        var rows = await store.ListAsync(user.TeamId(), statusFilter, before, pageSize, ct);
        var next = rows.Count == pageSize ? rows[^1].Id.ToString() : null;
        return TypedResults.Ok(new SandboxPage([.. rows.Select(SandboxResponse.From)], next));
    }

    public static async Task<Results<Ok<SandboxResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, SandboxStore store, CancellationToken ct)
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
        return TypedResults.Ok(SandboxResponse.From(row));
    }

    public static Task<Results<Accepted<SandboxResponse>, ProblemHttpResult>> Pause(
        string id, ClaimsPrincipal user, OperationRequests operations, CancellationToken ct) =>
        RequestAsync(SandboxOperation.Pause, id, user, operations, ct);

    public static Task<Results<Accepted<SandboxResponse>, ProblemHttpResult>> Resume(
        string id, ClaimsPrincipal user, OperationRequests operations, CancellationToken ct) =>
        RequestAsync(SandboxOperation.Resume, id, user, operations, ct);

    public static Task<Results<Accepted<SandboxResponse>, ProblemHttpResult>> Destroy(
        string id, ClaimsPrincipal user, OperationRequests operations, CancellationToken ct) =>
        RequestAsync(SandboxOperation.Destroy, id, user, operations, ct);

    private static async Task<Results<Accepted<SandboxResponse>, ProblemHttpResult>> RequestAsync(
        SandboxOperation operation, string id, ClaimsPrincipal user, OperationRequests operations, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        return await operations.RequestAsync(operation, user.TeamId(), sandboxId, ct) switch
        {
            RequestOutcome.Accepted accepted => Accepted(accepted.Sandbox),
            RequestOutcome.Conflict conflict => Problem(Problems.Conflict(operation.Name, conflict.Current)),
            RequestOutcome.QuotaExceeded over => Problem(Problems.QuotaExceeded(over.Breach)),
            RequestOutcome.LifetimeEnded ended => Problem(Problems.LifetimeEnded(operation.Name, ended.Sandbox.Status, ended.Sandbox.LifetimeEndsAt)),
            _ => Problem(Problems.NotFound(sandboxId)),
        };
    }

    private static Accepted<SandboxResponse> Accepted(SandboxRow row) =>
        TypedResults.Accepted(SandboxResponse.Location(row.Id), SandboxResponse.From(row));

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);

    /// <summary>No online host: often for moments only (hosts heartbeating again after an outage), so a client is told when to retry.</summary>
    private static ProblemHttpResult NoCapacity(HttpResponse response)
    {
        response.Headers.RetryAfter = NoCapacityRetryAfterSeconds;
        return Problem(Problems.NoCapacity());
    }
}
