using Lifecycle.Core.Sandboxes;

namespace Lifecycle.Core.Store;

/// <summary>
/// A sandbox as the HostMonitor compares it with its host: who it is, where it stands, and since
/// when; none of its spec. A pass holds one per sandbox of every host it reconciles at once, so
/// each is kept to about a hundred bytes; re-driving a create reads the whole row of that one
/// sandbox (<see cref="SandboxStore.GetAnyTeamAsync"/>).
/// </summary>
public sealed class HostedSandbox(
    Guid id, Guid teamId, Guid? hostId, string status, long version, DateTime? operationDeadline, DateTime updatedAt, string? lostFrom)
{
    /// <summary>The select list that matches the constructor, for a sandbox <c>s</c>.</summary>
    internal const string Columns = "s.id, s.team_id, s.host_id, s.status, s.version, s.operation_deadline, s.updated_at, s.lost_from";

    public Guid Id { get; } = id;

    public Guid TeamId { get; } = teamId;

    public Guid? HostId { get; } = hostId;

    // Parsed once here, so the text Npgsql read for each row is garbage at once instead of held.
    public SandboxStatus Status { get; } = SandboxStatuses.Parse(status);

    public long Version { get; } = version;

    public DateTime? OperationDeadline { get; } = operationDeadline;

    public DateTime UpdatedAt { get; } = updatedAt;

    /// <summary>For a <c>missing</c> sandbox, the status it was lost in; null otherwise.</summary>
    public SandboxStatus? LostFrom { get; } = lostFrom is null ? null : SandboxStatuses.Parse(lostFrom);
}
