using System.Security.Claims;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Api;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.OpenApi;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary><c>POST /v1/sandboxes/{id}/timeout</c> and <c>POST /v1/sandboxes/{id}/connect</c>: a sandbox's time to live, set or extended.</summary>
public static class TimeoutEndpoints
{
    public static IEndpointRouteBuilder MapTimeouts(this IEndpointRouteBuilder app)
    {
        var group = app.MapSandboxGroup();
        group.MapPost("/{id}/timeout", SetTimeout).WithName("setSandboxTimeout").WithSummary("Set a sandbox's time to live from now")
            .ReadsBody<SetTimeoutRequest>().ChangesOneSandbox();
        group.MapPost("/{id}/connect", Connect).WithName("connectSandbox").WithSummary("Extend a sandbox's time to live for a client, resuming it if paused")
            .ReadsOptionalBody<ConnectRequest>().ChangesOneSandbox();
        return app;
    }

    /// <summary>200 with the sandbox, its timer restarted from now (a paused one's starts again at resume); 409 once it has ended.</summary>
    public static async Task<Results<Ok<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> SetTimeout(
        string id, HttpRequest request, ClaimsPrincipal user, StrictJson json, SandboxAnswers answers, SandboxTimeouts timeouts, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        var (headers, badHeaders) = await ChangeHeaders.ReadAsync(request, user.TeamId(), answers, _ => StatusCodes.Status200OK, ct);
        if (headers is null)
        {
            return Problem(badHeaders!);
        }
        var body = await json.ReadValidAsync(request, new SetTimeoutRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var asked = new TimeoutRequest(user.TeamId(), sandboxId, body.Value.TimeoutSec!.Value, headers.Idempotency, headers.IfMatch);
        return await timeouts.SetAsync(asked, ct) switch
        {
            TimeoutOutcome.Ready ready => SandboxAnswers.Ok(request.HttpContext.Response, ready.Sandbox),
            TimeoutOutcome.Replayed replayed => new ReplayedAnswer(replayed.Answer),
            TimeoutOutcome.KeyReused reused => SandboxAnswers.KeyReused(reused.Earlier),
            TimeoutOutcome.PreconditionFailed failed => SandboxAnswers.PreconditionFailed(request.HttpContext.Response, "set the timeout of", failed.Sandbox),
            TimeoutOutcome.Conflict conflict => Problem(Problems.Conflict("set the timeout of", conflict.Current)),
            _ => Problem(Problems.NotFound(sandboxId)),
        };
    }

    /// <summary>
    /// 200 with the sandbox when it runs (its timer extended, never shortened); 202 when it is on its way to running
    /// (starting, resuming, or paused and now resuming); 409 naming the status otherwise.
    /// </summary>
    public static async Task<Results<Ok<SandboxResponse>, Accepted<SandboxResponse>, ReplayedAnswer, ProblemHttpResult>> Connect(
        string id, HttpRequest request, ClaimsPrincipal user, StrictJson json, SandboxAnswers answers, SandboxTimeouts timeouts, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        // The same rule as the outcomes below: ready when running, underway otherwise.
        var (headers, badHeaders) = await ChangeHeaders.ReadAsync(request, user.TeamId(), answers,
            row => row.Status == SandboxStatus.Running ? StatusCodes.Status200OK : StatusCodes.Status202Accepted, ct);
        if (headers is null)
        {
            return Problem(badHeaders!);
        }
        var body = await json.ReadValidAsync(request, new ConnectRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        var asked = new TimeoutRequest(user.TeamId(), sandboxId, body.Value.TimeoutSec, headers.Idempotency, headers.IfMatch);
        return await timeouts.ConnectAsync(asked, ct) switch
        {
            TimeoutOutcome.Ready ready => SandboxAnswers.Ok(request.HttpContext.Response, ready.Sandbox),
            TimeoutOutcome.Underway underway => SandboxAnswers.Accepted(request.HttpContext.Response, underway.Sandbox),
            TimeoutOutcome.Replayed replayed => new ReplayedAnswer(replayed.Answer),
            TimeoutOutcome.KeyReused reused => SandboxAnswers.KeyReused(reused.Earlier),
            TimeoutOutcome.PreconditionFailed failed => SandboxAnswers.PreconditionFailed(request.HttpContext.Response, "connect to", failed.Sandbox),
            TimeoutOutcome.Conflict conflict => Problem(Problems.Conflict("connect to", conflict.Current)),
            TimeoutOutcome.LifetimeEnded ended => Problem(Problems.LifetimeEnded("connect to", ended.Sandbox.Status, ended.Sandbox.LifetimeEndsAt)),
            TimeoutOutcome.QuotaExceeded over => Problem(Problems.QuotaExceeded(over.Breach)),
            TimeoutOutcome.NoCapacity full => CapacityAnswers.NoCapacity(request.HttpContext.Response, full.Resource),
            _ => Problem(Problems.NotFound(sandboxId)),
        };
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
