using System.Net;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Client;

/// <summary>
/// The API answered with an error. Subclasses name the answers a caller acts on; any other (400, 401, 415, …) is this
/// type itself, with everything the problem said in <see cref="Problem"/>.
/// </summary>
public class LifecycleApiException(LifecycleProblem problem)
    : Exception($"{problem.Status} {problem.Title ?? "error"}{(problem.Detail is null ? "" : ": " + problem.Detail)}")
{
    public LifecycleProblem Problem { get; } = problem;

    public HttpStatusCode StatusCode => (HttpStatusCode)Problem.Status;

    public string? Type => Problem.Type;

    public string? Title => Problem.Title;

    public string? Detail => Problem.Detail;

    /// <summary>The server's id of the request (<c>request_id</c>, or the <c>X-Request-Id</c> header): quote it to an operator.</summary>
    public string? RequestId => Problem.RequestId;

    /// <summary>The sandbox's status when the answer was made, where the status is why (409, 408, 412).</summary>
    public SandboxStatus? CurrentStatus => Problem.CurrentStatus;

    /// <summary>How long the server asked to wait before trying again, when it said.</summary>
    public TimeSpan? RetryAfter => Problem.RetryAfter;
}
