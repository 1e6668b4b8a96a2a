using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.Api;
using Lifecycle.ControlPlane.OpenApi;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>The body of <c>POST /v1/hosts/{id}/drain</c>.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record DrainHostRequest(
    [property: Required, OneOf(typeof(DrainModes), nameof(DrainModes.WireNames))]
    string? Mode = null,
    [property: Required, Range(1, DrainHostRequest.MaxDeadlineSec), Description("The seconds the drain may take; what is not done by then is destroyed.")]
    int? DeadlineSec = null,
    [property: StringLength(DrainHostRequest.MaxReasonLength)]
    string? Reason = null) : IValidatable
{
    /// <summary>A week: longer than any drain an operator would wait on, short enough to catch a unit mistake (ms for s).</summary>
    public const int MaxDeadlineSec = 7 * 24 * 3600;

    public const int MaxReasonLength = 256;

    /// <summary>The first problem with this request, or null when it is valid.</summary>
    public string? Validate()
    {
        if (!DrainModes.TryParse(Mode, out _))
        {
            return $"mode must be one of {string.Join(", ", DrainModes.WireNames)}"
                + (Mode is null ? " (it is required)." : $", not '{(Mode.Length > 32 ? Mode[..32] + "…" : Mode)}'.");
        }
        if (DeadlineSec is not { } deadline || deadline is < 1 or > MaxDeadlineSec)
        {
            return $"deadline_sec is required: the seconds the drain may take, 1 to {MaxDeadlineSec}. What is not done by then is destroyed.";
        }
        if (Reason is not null && (Reason.Length > MaxReasonLength || Reason.Any(char.IsControl)))
        {
            return $"reason must be at most {MaxReasonLength} characters, without control characters.";
        }
        return null;
    }

    [JsonIgnore]
    public DrainMode ModeValue => DrainModes.Parse(Mode!);
}
