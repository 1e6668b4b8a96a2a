using Lifecycle.Core.Events;
using Lifecycle.Core.Hosts;
using Lifecycle.Core.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// An operator's change of a host's status (cordon, uncordon, decommission): the optional reason read
/// and checked, the row of the host transition table applied as a compare-and-set (with its history),
/// and the outcome as the answer. A change to the status the host already has answers 200 and changes
/// nothing, so a retried request is harmless; one the table does not allow from the current status is 409.
/// </summary>
public sealed class HostMoves(StrictJson json, HostStore hosts, HostResponses responses, HostPlacement placement)
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
        var row = HostTransitionTable.Get(eventType);
        var outcome = await hosts.TransitionAsync(hostId, eventType, Actors.Admin, body.Value.Reason, ct);
        if (outcome is HostTransitionOutcome.NotAllowed { Current: var current } && current != row.To)
        {
            return Problem(HostProblems.Conflict(verb, row, current));
        }
        // Whether it takes new sandboxes may have changed; the insert checks it anyway, the counts catch up.
        placement.Invalidate();
        return outcome is not HostTransitionOutcome.NoSuchHost && await hosts.GetAsync(hostId, ct) is { } host
            ? TypedResults.Ok(responses.Of(host))
            : Problem(NotFound(hostId));
    }

    public static ProblemDetails NotFound(Guid id) =>
        Problems.Make(StatusCodes.Status404NotFound, "Host not found", $"No host {id} exists.");

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
