using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// A sandbox as the HostMonitor compares it with its host: who it is, where it stands, and since
/// when; none of its spec. A pass holds one per sandbox of every host it reconciles at once, so
/// each is kept to about a hundred bytes; re-driving a create reads the whole row of that one
/// sandbox (<see cref="SandboxStore.GetAnyTeamAsync"/>). <paramref name="LostFrom"/> is, for a
/// <c>missing</c> sandbox, the status it was lost in; null otherwise. <paramref name="ExpiresAt"/>
/// and <paramref name="LifetimeEndsAt"/> tell a host's pause or exit after the sandbox's time to live or lifetime ran
/// out from one of its own, and let a pass repair a host's deadline that differs from the row's.
/// </summary>
public sealed record HostedSandbox(
    Guid Id, Guid TeamId, Guid? HostId, SandboxStatus Status, long Version, DateTime? OperationDeadline, DateTime UpdatedAt, SandboxStatus? LostFrom,
    DateTime? ExpiresAt = null, DateTime? LifetimeEndsAt = null) : ISandboxAsRead
{
    /// <summary>The select list that matches the constructor, for a sandbox <c>s</c>.</summary>
    internal const string Columns = "s.id, s.team_id, s.host_id, s.status, s.version, s.operation_deadline, s.updated_at, s.lost_from, s.expires_at, s.lifetime_ends_at";
}
