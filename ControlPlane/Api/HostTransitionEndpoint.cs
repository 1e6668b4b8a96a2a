using Lifecycle.ControlPlane.Operations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The HTTP side of an operator's host transition (cordon, uncordon, decommission) (<see cref="HostTransitions"/>): the optional reason
/// read and checked, and the outcome as the answer: 200 with the host, also when it already had the
/// status; 409 when the host transition table has no row from the current status.
/// </summary>
public sealed class HostTransitionEndpoint(StrictJson json, HostTransitions transitions, HostResponses responses)
{
    public async Task<Results<Ok<HostResponse>, ProblemHttpResult>> ApplyAsync(
        string id, string eventType, string verb, HttpRequest request, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        var body = await json.ReadValidAsync(request, new HostTransitionRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        return await transitions.ApplyAsync(hostId, eventType, body.Value.Reason, ct) switch
        {
            HostTransitionRequestOutcome.Applied applied => TypedResults.Ok(responses.Of(applied.Host)),
            HostTransitionRequestOutcome.Conflict conflict => Problem(HostProblems.Conflict(verb, conflict.Row, conflict.Current)),
            _ => Problem(NotFound(hostId)),
        };
    }

    public static ProblemDetails NotFound(Guid id) =>
        Problems.Make(StatusCodes.Status404NotFound, "Host not found", $"No host {id} exists.");

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
