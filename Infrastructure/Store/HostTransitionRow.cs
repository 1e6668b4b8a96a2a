using Lifecycle.Contract.Hosts;

namespace Lifecycle.Infrastructure.Store;

/// <summary>A row of <c>host_transitions</c>: one change of a host's status, by whom and why.</summary>
public sealed record HostTransitionRow(string Type, HostStatus? FromStatus, HostStatus ToStatus, string Actor, string? Reason, DateTime At);
