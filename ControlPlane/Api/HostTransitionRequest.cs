using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The optional body of <c>POST /v1/hosts/{id}/cordon</c>, <c>…/uncordon</c> and <c>…/decommission</c>.</summary>
/// <param name="Reason">Why, in the operator's words; kept in the host's history.</param>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record HostTransitionRequest([property: StringLength(HostTransitionRequest.MaxReasonLength)] string? Reason = null) : IValidatable
{
    public const int MaxReasonLength = 200;

    /// <summary>The first problem with this request, or null when it is valid.</summary>
    public string? Validate() =>
        Reason is { Length: > MaxReasonLength } ? $"reason must be at most {MaxReasonLength} characters." : null;
}
