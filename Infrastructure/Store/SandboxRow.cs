using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>A row of <c>sandboxes</c>, with its host's gRPC address joined in; the status is read by <see cref="SandboxStatusHandler"/>.</summary>
public sealed record SandboxRow(
    Guid Id,
    Guid TeamId,
    Guid? HostId,
    SandboxStatus Status,
    long Version,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    string Metadata,
    string? LastError,
    DateTime? OperationDeadline,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? StartedAt,
    OnTimeout OnTimeout,
    int? MaxLifetimeSec,
    DateTime? LifetimeEndsAt,
    DateTime? ExpiresAt,
    string? StopReason,
    string? HostAddress) : ISandboxAsRead
{
    /// <summary>The select list that matches this record's constructor, for a sandbox <c>s</c> joined to its host <c>h</c>.</summary>
    public const string Columns = """
        s.id, s.team_id, s.host_id, s.status, s.version, s.template, s.vcpus, s.memory_mb, s.timeout_sec,
        s.metadata::text AS metadata, s.last_error, s.operation_deadline, s.created_at, s.updated_at, s.started_at,
        s.on_timeout, s.max_lifetime_sec, s.lifetime_ends_at, s.expires_at, s.stop_reason,
        h.grpc_address AS host_address
        """;
}
