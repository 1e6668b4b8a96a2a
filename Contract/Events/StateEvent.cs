using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Contract.Events;

/// <summary>
/// One status change of one sandbox, as published on the stream and recorded in history.
/// <paramref name="Version"/> is the row version the change applies to (the fence); applying it
/// leaves the row at <c>Version + 1</c>. <paramref name="From"/> is null only for the event that creates the row.
/// The factories below build each kind the control plane emits; the constructor is for decoding and for odd events in tests.
/// </summary>
public sealed record StateEvent(
    Guid EventId,
    string Type,
    Guid SandboxId,
    Guid TeamId,
    Guid? HostId,
    SandboxStatus? From,
    SandboxStatus To,
    long Version,
    string Actor,
    string? Reason,
    string? Error,
    DateTimeOffset At)
{
    /// <summary>A team's create request, the event that creates the row. Its host is set once one is chosen.</summary>
    public static StateEvent CreateRequested(Guid sandboxId, Guid teamId, DateTimeOffset at) =>
        new(Guid.CreateVersion7(), EventTypes.CreateRequested, sandboxId, teamId, null,
            null, SandboxOperation.Create.InProgress, 0, Actors.Team(teamId), null, null, at);

    /// <summary>A request for <paramref name="operation"/> on a sandbox as read, by a team or an operator (<paramref name="actor"/>).</summary>
    public static StateEvent Requested(SandboxOperation operation, ISandboxAsRead sandbox, string actor, string? reason, DateTimeOffset at) =>
        new(Guid.CreateVersion7(), operation.Requested.EventType, sandbox.Id, sandbox.TeamId, sandbox.HostId,
            sandbox.Status, operation.InProgress, sandbox.Version, actor, reason, null, at);

    /// <summary>
    /// How the host call of <paramref name="operation"/> ended, for a sandbox in the operation's transient state:
    /// success without <paramref name="error"/>, carrying the request's <paramref name="reason"/>; failure with it,
    /// for the reason <see cref="Reasons.HostRpcFailed"/>.
    /// </summary>
    public static StateEvent OperationOutcome(SandboxOperation operation, ISandboxAsRead sandbox, string? error, string? reason, DateTimeOffset at)
    {
        var transition = error is null ? operation.Succeeded : operation.Failed;
        return new(Guid.CreateVersion7(), transition.EventType, sandbox.Id, sandbox.TeamId, sandbox.HostId,
            operation.InProgress, transition.To.Single(), sandbox.Version, Actors.Operation,
            error is null ? reason : Reasons.HostRpcFailed, error, at);
    }

    /// <summary>
    /// A create its host refused for want of room (RESOURCE_EXHAUSTED): <c>sandbox.create.refused</c>, to stopped,
    /// since nothing was made there.
    /// </summary>
    public static StateEvent CreateRefused(ISandboxAsRead sandbox, string error, DateTimeOffset at) =>
        new(Guid.CreateVersion7(), EventTypes.CreateRefused, sandbox.Id, sandbox.TeamId, sandbox.HostId,
            SandboxStatus.Starting, SandboxStatus.Stopped, sandbox.Version, Actors.Operation, Reasons.NoCapacity, error, at);

    /// <summary>
    /// A host agent's report on a sandbox it runs, under the host's own event id (so a retried report is
    /// recognised), from the status the sandbox was read in to the one the report's row leads to.
    /// </summary>
    public static StateEvent HostReport(Guid eventId, string eventType, ISandboxAsRead sandbox, Guid hostId, string? reason, DateTimeOffset at) =>
        new(eventId, eventType, sandbox.Id, sandbox.TeamId, hostId,
            sandbox.Status, TransitionTable.Get(eventType).To.Single(), sandbox.Version, Actors.Host(hostId), reason, null, at);

    /// <summary>The HostMonitor's correction of a sandbox to what its host shows, from the status and version the monitor read.</summary>
    public static StateEvent HostMonitorCorrection(
        ISandboxAsRead sandbox, string eventType, SandboxStatus to, string reason, string? error, DateTimeOffset at) =>
        new(Guid.CreateVersion7(), eventType, sandbox.Id, sandbox.TeamId, sandbox.HostId,
            sandbox.Status, to, sandbox.Version, Actors.HostMonitor, reason, error, at);
}
