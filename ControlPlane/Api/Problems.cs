using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Problems;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The problem+json bodies the API answers with.</summary>
public static class Problems
{
    public static ProblemDetails BadRequest(string detail) => Make(StatusCodes.Status400BadRequest, "Invalid request", detail);

    /// <summary>A body <see cref="StrictJson"/> refused: 415 when it is not JSON at all, 400 when it is JSON the request cannot take.</summary>
    public static ProblemDetails BadBody(int status, string error) =>
        Make(status, status == StatusCodes.Status415UnsupportedMediaType ? "Unsupported media type" : "Invalid request", error);

    /// <summary>A path id that is not a UUID; <paramref name="what"/> names the kind of id ("sandbox").</summary>
    public static ProblemDetails BadId(string id, string what) =>
        BadRequest($"'{(id.Length > 64 ? id[..64] + "…" : id)}' is not a {what} id (a UUID).");

    public static ProblemDetails NotFound(Guid id) =>
        Make(StatusCodes.Status404NotFound, "Sandbox not found", $"No sandbox {id} exists for this team.");

    /// <summary>An impossible transition, naming the current status (also as the <c>status_now</c> extension).</summary>
    public static ProblemDetails Conflict(string operation, SandboxStatus current)
    {
        return WithCurrent(Make(StatusCodes.Status409Conflict, "Operation not possible in the current status",
            $"Cannot {operation} a sandbox that is {current.ToWire()}."), current);
    }

    /// <summary>A resume of a sandbox whose lifetime has ended: the evictor is about to destroy it.</summary>
    public static ProblemDetails LifetimeEnded(string operation, SandboxStatus current, DateTime? endedAt) =>
        WithCurrent(Make(StatusCodes.Status409Conflict, "Lifetime ended",
            $"Cannot {operation} a sandbox whose lifetime (max_lifetime_sec) ended at {endedAt:O}; it is being destroyed."), current);

    private static ProblemDetails WithCurrent(ProblemDetails problem, SandboxStatus current)
    {
        problem.Extensions["current_status"] = current.ToWire();
        return problem;
    }

    /// <summary>A wait that ran out of time, naming the status the sandbox is in.</summary>
    public static ProblemDetails WaitTimedOut(SandboxStatus awaited, SandboxStatus current, TimeSpan timeout) =>
        WithCurrent(Make(StatusCodes.Status408RequestTimeout, "Wait timed out",
            $"The sandbox did not become {awaited.ToWire()} within {timeout.TotalSeconds:0.###} s; it is {current.ToWire()}."), current);

    /// <summary>A wait for a status the sandbox cannot reach from the current one without a new request (running, from error).</summary>
    public static ProblemDetails Unreachable(SandboxStatus awaited, SandboxStatus current) =>
        WithCurrent(Make(StatusCodes.Status409Conflict, "Status cannot be reached",
            $"The sandbox is {current.ToWire()}, from which it cannot become {awaited.ToWire()} without a new request."), current);

    /// <summary>The <c>type</c> of a quota's 429, distinct from the rate limiter's (which carries <c>Retry-After</c>; this does not).</summary>
    public const string QuotaExceededType = ProblemTypes.QuotaExceeded;

    /// <summary>A team's request over one of its quotas: which, its limit, and what is in use.</summary>
    public static ProblemDetails QuotaExceeded(QuotaBreach breach)
    {
        var name = breach.Quota.ToWire();
        var problem = Make(StatusCodes.Status429TooManyRequests, "Quota exceeded",
            $"The team's {name} is {breach.Limit} and {breach.InUse} are in use; this request needs more. Stop, pause or destroy sandboxes, or ask an operator to raise the quota.");
        problem.Type = QuotaExceededType;
        problem.Extensions["quota"] = name;
        problem.Extensions["limit"] = breach.Limit;
        problem.Extensions["in_use"] = breach.InUse;
        return problem;
    }

    /// <summary>The <c>type</c> of a 412: the request's <c>If-Match</c> does not name the sandbox as it is.</summary>
    public const string PreconditionFailedType = ProblemTypes.PreconditionFailed;

    /// <summary>An <c>If-Match</c> that no longer names the sandbox: nothing changed; its status now is named.</summary>
    public static ProblemDetails PreconditionFailed(string operation, SandboxStatus current)
    {
        var problem = WithCurrent(Make(StatusCodes.Status412PreconditionFailed, "Precondition failed",
            $"Did not {operation} the sandbox: it changed since the ETag in If-Match (it is {current.ToWire()} now; its ETag is in this answer's ETag header)."), current);
        problem.Type = PreconditionFailedType;
        return problem;
    }

    /// <summary>The <c>type</c> of a 422: an idempotency key used before for another request.</summary>
    public const string IdempotencyKeyReusedType = ProblemTypes.IdempotencyKeyReused;

    /// <summary>An idempotency key used before for another request: nothing was done; the client must use a new key.</summary>
    public static ProblemDetails IdempotencyKeyReused(string method, string path)
    {
        var problem = Make(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused",
            $"This Idempotency-Key was used for another request ({method} {path}, or another body) within the last 24 hours; nothing was done. Use a new key for a new request.");
        problem.Type = IdempotencyKeyReusedType;
        return problem;
    }

    /// <summary>No online host at all: like an outage, often for moments only (hosts heartbeating again after one).</summary>
    public static ProblemDetails NoHost()
    {
        var problem = Make(StatusCodes.Status503ServiceUnavailable, "No host available", "No online host can take a new sandbox; retry later.");
        problem.Extensions["reason"] = ProblemReasons.NoHost;
        return problem;
    }

    /// <summary>Online hosts, none with room for the sandbox now: which resource they are short of.</summary>
    public static ProblemDetails NoCapacity(CapacityResource resource)
    {
        var problem = Make(StatusCodes.Status503ServiceUnavailable, "No capacity",
            $"No host has the {resource.ToWire()} for this sandbox now; retry after the time in Retry-After, or ask for a smaller sandbox.");
        problem.Type = ProblemTypes.NoCapacity;
        problem.Extensions["reason"] = ProblemReasons.NoCapacity;
        problem.Extensions["resource"] = resource.ToWire();
        return problem;
    }

    /// <summary>A sandbox no host could ever hold: the resource, and the most of it any host has.</summary>
    public static ProblemDetails TooBig(CapacityResource resource, long largest)
    {
        var problem = Make(StatusCodes.Status422UnprocessableEntity, "Sandbox too big",
            $"No host can hold a sandbox this size: the largest has {largest} {resource.ToWire()}. Ask for at most that.");
        problem.Type = ProblemTypes.TooBig;
        problem.Extensions["reason"] = ProblemReasons.NoCapacity;
        problem.Extensions["resource"] = resource.ToWire();
        problem.Extensions["largest"] = largest;
        return problem;
    }

    /// <summary>A server the control plane needs is unreachable; the answer carries <c>Retry-After</c>.</summary>
    public static ProblemDetails Unavailable(string server) =>
        Make(StatusCodes.Status503ServiceUnavailable, "Service unavailable",
            $"{server} is unreachable at the moment; retry after the time in Retry-After.");

    public static ProblemDetails Make(int status, string title, string detail) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Type = TypeOf(status),
    };

    /// <summary>
    /// The <c>type</c> of every problem, the API's own and the framework's alike (set for the latter in
    /// <c>AddProblemDetails</c>): one page per status code, so a client reads one style whoever answered.
    /// </summary>
    public static string TypeOf(int status) => $"https://httpstatuses.io/{status}";
}
