using Lifecycle.Contract.Capacity;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The 503s of a request no host can take now, each with <c>Retry-After</c>: sandboxes end, pause and move all the time,
/// and hosts come back after an outage, so room is often there again in moments.
/// </summary>
public static class CapacityAnswers
{
    private const string RetryAfterSeconds = "5";

    /// <summary>No host has room for the sandbox now (a create), or its own host has none (a resume or connect).</summary>
    public static ProblemHttpResult NoCapacity(HttpResponse response, CapacityResource resource)
    {
        response.Headers.RetryAfter = RetryAfterSeconds;
        return TypedResults.Problem(Problems.NoCapacity(resource));
    }

    /// <summary>No host is online.</summary>
    public static ProblemHttpResult NoHost(HttpResponse response)
    {
        response.Headers.RetryAfter = RetryAfterSeconds;
        return TypedResults.Problem(Problems.NoHost());
    }
}
