namespace Lifecycle.Core.Store;

/// <summary>A row of <c>host_transitions</c>: one change of a host's status, by whom and why.</summary>
public sealed record HostTransitionRow(string Type, string? FromStatus, string ToStatus, string Actor, string? Reason, DateTime At);
