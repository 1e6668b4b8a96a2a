using Lifecycle.Contract.Hosts;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The problem+json bodies of host changes the host transition table does not allow.</summary>
public static class HostProblems
{
    /// <summary>
    /// A 409 naming the host's current status (also as the <c>current_status</c> extension), why it
    /// stands in the way, and the statuses the change applies to.
    /// </summary>
    public static ProblemDetails Conflict(string verb, HostTransition row, HostStatus current)
    {
        var from = row.From.Order().Select(status => status.ToWire()).ToList();
        var fromText = from.Count == 1 ? from[0] : $"{string.Join(", ", from[..^1])} or {from[^1]}";
        var problem = Problems.Make(StatusCodes.Status409Conflict, "Host change not possible in the current status",
            $"Cannot {verb} a host that is {current.ToWire()}: {Why(current)}. '{verb}' applies to a host that is {fromText}.");
        problem.Extensions["current_status"] = current.ToWire();
        return problem;
    }

    private static string Why(HostStatus current) => current switch
    {
        HostStatus.Registered => "it has never heartbeated, so it runs nothing and is given nothing until its first heartbeat",
        HostStatus.Unreachable => "it has stopped heartbeating",
        HostStatus.Cordoned => "it is cordoned; uncordon returns it to service",
        HostStatus.Draining => "a drain is under way; uncordon ends it",
        HostStatus.Drained => "its drain is over; uncordon returns it to service, decommission retires it",
        HostStatus.Decommissioned => "it is out of service for good",
        _ => $"it is {current.ToWire()}",
    };
}
