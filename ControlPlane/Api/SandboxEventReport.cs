using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Operations;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The body of <c>POST /v1/hosts/sandbox-events</c>: what a host agent saw happen to one of its sandboxes.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SandboxEventReport(
    [property: Required, Description("A UUID the host chose for this report; a report repeated with it changes nothing.")]
    Guid? EventId = null,
    [property: Required]
    Guid? SandboxId = null,
    [property: Required, OneOf(typeof(SandboxEventReport), nameof(SandboxEventReport.Types))]
    string? Type = null,
    [property: StringLength(SandboxEventReport.MaxReasonLength)]
    string? Reason = null,
    [property: Required, Description("When the host saw it happen.")]
    DateTimeOffset? At = null,
    [property: Required, Description("The host's report number, 0 or more, increasing with every report.")]
    long? Sequence = null) : IValidatable
{
    public const int MaxReasonLength = 256;

    /// <summary>Report types and the table rows they become.</summary>
    public static readonly IReadOnlyDictionary<string, string> EventTypeOf = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["auto_paused"] = EventTypes.AutoPaused,
        ["exited"] = EventTypes.Exited,
    };

    /// <summary>The report types a host sends.</summary>
    public static IEnumerable<string> Types => EventTypeOf.Keys;

    /// <summary>The first problem with this report, or null when it is valid.</summary>
    public string? Validate()
    {
        if (EventId is null || EventId == Guid.Empty)
        {
            return "event_id must be a UUID the host chose for this report.";
        }
        if (SandboxId is null)
        {
            return "sandbox_id must be a sandbox id (a UUID).";
        }
        if (Type is null || !EventTypeOf.ContainsKey(Type))
        {
            return $"type must be one of: {string.Join(", ", EventTypeOf.Keys)}.";
        }
        if (Reason is { } reason && (reason.Length > MaxReasonLength || reason.Any(char.IsControl)))
        {
            return $"reason must be at most {MaxReasonLength} characters without control characters.";
        }
        if (At is null)
        {
            return "at must be the time the host saw it happen (RFC 3339).";
        }
        if (Sequence is not >= 0)
        {
            return "sequence must be the host's report number, 0 or more, increasing with every report.";
        }
        return null;
    }

    /// <summary>This report, once valid, as <paramref name="hostId"/>'s report of its table row.</summary>
    public HostReport From(Guid hostId) =>
        new(hostId, EventId!.Value, SandboxId!.Value, EventTypeOf[Type!], Reason, At!.Value, Sequence!.Value);
}
