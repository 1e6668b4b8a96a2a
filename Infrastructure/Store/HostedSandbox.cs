using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A sandbox as the HostMonitor compares it with its host: who it is, where it stands, and since
/// when; none of its spec. A pass holds one per sandbox of every host it reconciles at once, so
/// each is kept to about a hundred bytes; re-driving a create reads the whole row of that one
/// sandbox (<see cref="SandboxStore.GetAnyTeamAsync"/>). <paramref name="LostFrom"/> is, for a
/// <c>missing</c> sandbox, the status it was lost in; null otherwise.
/// </summary>
public sealed record HostedSandbox(
    Guid Id, Guid TeamId, Guid? HostId, SandboxStatus Status, long Version, DateTime? OperationDeadline, DateTime UpdatedAt, SandboxStatus? LostFrom) : ISandboxAsRead
{
    /// <summary>The select list that matches the constructor, for a sandbox <c>s</c>.</summary>
    internal const string Columns = "s.id, s.team_id, s.host_id, s.status, s.version, s.operation_deadline, s.updated_at, s.lost_from";
}
