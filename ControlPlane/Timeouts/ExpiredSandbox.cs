using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>A sandbox whose <c>expires_at</c> has passed, as the evictor reads it.</summary>
public sealed record ExpiredSandbox(
    Guid Id, Guid TeamId, Guid HostId, SandboxStatus Status, OnTimeout OnTimeout, DateTime ExpiresAt, DateTime? LifetimeEndsAt)
{
    internal const string Columns = "s.id, s.team_id, s.host_id, s.status, s.on_timeout, s.expires_at, s.lifetime_ends_at";
}
