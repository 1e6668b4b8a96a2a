using Lifecycle.ControlPlane.Operations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The HTTP side of an operator's change of a host's status (<see cref="HostChanges"/>): the optional reason
/// read and checked, and the outcome as the answer: 200 with the host, also when it already had the
/// status; 409 when the host transition table does not allow the change from the current status.
/// </summary>
public sealed class HostMoves(StrictJson json, HostChanges changes, HostResponses responses)
{
    public async Task<Results<Ok<HostResponse>, ProblemHttpResult>> ApplyAsync(
        string id, string eventType, string verb, HttpRequest request, CancellationToken ct)
    {
        if (!PathIds.TryParse(id, "host", out var hostId, out var badId))
        {
            return Problem(badId);
        }
        var body = await json.ReadValidAsync(request, new HostChangeRequest(), ct);
        if (body.Refused)
        {
            return Problem(body.Problem);
        }
        return await changes.ApplyAsync(hostId, eventType, body.Value.Reason, ct) switch
        {
            HostChangeOutcome.Changed changed => TypedResults.Ok(responses.Of(changed.Host)),
            HostChangeOutcome.Conflict conflict => Problem(HostProblems.Conflict(verb, conflict.Row, conflict.Current)),
            _ => Problem(NotFound(hostId)),
        };
    }

    public static ProblemDetails NotFound(Guid id) =>
        Problems.Make(StatusCodes.Status404NotFound, "Host not found", $"No host {id} exists.");

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
