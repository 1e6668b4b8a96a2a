using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Quotas;

namespace Lifecycle.Client;

/// <summary>404: no such sandbox for this team (another team's answers the same).</summary>
public sealed class NotFoundException(LifecycleProblem problem) : LifecycleApiException(problem);

/// <summary>409: the sandbox's status does not allow the request (<see cref="LifecycleApiException.CurrentStatus"/> says which it is).</summary>
public sealed class ConflictException(LifecycleProblem problem) : LifecycleApiException(problem);

/// <summary>408: a wait ended before the sandbox reached the status (<see cref="LifecycleApiException.CurrentStatus"/> is where it is).</summary>
public sealed class WaitTimedOutException(LifecycleProblem problem) : LifecycleApiException(problem);

/// <summary>412: the <c>If-Match</c> tag is not the sandbox's current one, so nothing changed.</summary>
public sealed class PreconditionFailedException(LifecycleProblem problem, string? currentETag) : LifecycleApiException(problem)
{
    /// <summary>The sandbox's tag now, to read it again or to retry with.</summary>
    public string? CurrentETag { get; } = currentETag;
}

/// <summary>422: the idempotency key was first used with another request; pick a new key for a new request.</summary>
public sealed class IdempotencyKeyReusedException(LifecycleProblem problem) : LifecycleApiException(problem);

/// <summary>429 over a team quota: retrying does not help, stopping, pausing or destroying sandboxes does. Never retried.</summary>
public sealed class QuotaExceededException(LifecycleProblem problem) : LifecycleApiException(problem)
{
    public QuotaName? Quota => QuotaNames.TryParse(Problem.Text("quota"), out var quota) ? quota : null;

    public long? Limit => Problem.Number("limit");

    public long? InUse => Problem.Number("in_use");
}

/// <summary>429 over the rate limit, still so after the client's retries; <see cref="LifecycleApiException.RetryAfter"/> says when to try.</summary>
public sealed class RateLimitedException(LifecycleProblem problem) : LifecycleApiException(problem);

/// <summary>422: bigger than any host can hold (<see cref="Resource"/>, at most <see cref="Largest"/> of it); retrying never helps.</summary>
public sealed class SandboxTooBigException(LifecycleProblem problem) : LifecycleApiException(problem)
{
    public CapacityResource? Resource => CapacityResources.TryParse(Problem.Text("resource"), out var resource) ? resource : null;

    public long? Largest => Problem.Number("largest");
}

/// <summary>503: no host has room for the sandbox now (<see cref="Resource"/> is short), still so after the client's retries.</summary>
public sealed class NoCapacityException(LifecycleProblem problem) : LifecycleApiException(problem)
{
    public CapacityResource? Resource => CapacityResources.TryParse(Problem.Text("resource"), out var resource) ? resource : null;
}

/// <summary>503: Postgres or Redis unreachable, or no host online, still so after the client's retries.</summary>
public sealed class ServiceUnavailableException(LifecycleProblem problem) : LifecycleApiException(problem);
