using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Operations;

namespace Lifecycle.ControlPlane.Api;

/// <summary>The body of <c>POST /v1/hosts/sandbox-events</c>: what a host agent saw happen to one of its sandboxes.</summary>
public sealed record SandboxEventReport(
    Guid? EventId = null,
    Guid? SandboxId = null,
    string? Type = null,
    string? Reason = null,
    DateTimeOffset? At = null,
    long? Sequence = null) : IValidatable
{
    public const int MaxReasonLength = 256;

    /// <summary>Report types and the table rows they become.</summary>
    public static readonly IReadOnlyDictionary<string, string> EventTypeOf = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["auto_paused"] = EventTypes.AutoPaused,
        ["exited"] = EventTypes.Exited,
    };

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
