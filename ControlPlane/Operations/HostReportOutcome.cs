using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>What became of a host's report about one of its sandboxes.</summary>
public abstract record HostReportOutcome
{
    /// <summary>The event is on the stream, for the consumer to apply.</summary>
    public sealed record Published : HostReportOutcome;

    /// <summary>The event is in the history already: a retry of a report that went through; nothing is published.</summary>
    public sealed record AlreadyApplied : HostReportOutcome;

    public sealed record SandboxNotFound : HostReportOutcome;

    /// <summary>The sandbox runs on another host.</summary>
    public sealed record NotOnHost : HostReportOutcome;

    /// <summary>A newer report about the sandbox was received already; this one must not undo it.</summary>
    public sealed record Stale : HostReportOutcome;

    /// <summary>The sandbox's status no longer allows the report's transition (an exit for a stopped sandbox).</summary>
    public sealed record Conflict(SandboxStatus Current) : HostReportOutcome;
}
