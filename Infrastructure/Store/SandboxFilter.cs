using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// Which sandboxes a listing shows; every part that is set must hold (AND). <see cref="TeamId"/> is a team's own
/// listing (an operator's may leave it open); <see cref="Statuses"/> matches any of them; <see cref="Metadata"/> every
/// pair; the creation window is exclusive at both ends.
/// </summary>
public sealed record SandboxFilter(
    Guid? TeamId = null,
    Guid? HostId = null,
    IReadOnlyList<SandboxStatus>? Statuses = null,
    string? Template = null,
    IReadOnlyDictionary<string, string>? Metadata = null,
    DateTimeOffset? CreatedAfter = null,
    DateTimeOffset? CreatedBefore = null);
