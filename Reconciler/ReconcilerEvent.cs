using Lifecycle.Core.Events;
using Lifecycle.Core.Sandboxes;
using Lifecycle.Core.Store;

namespace Lifecycle.Reconciler;

/// <summary>The HostMonitor's events: from the status and version the sandbox was read at, by actor <c>reconciler</c>.</summary>
public static class ReconcilerEvent
{
    public static StateEvent For(HostedSandbox row, string eventType, SandboxStatus to, string reason, string? error, DateTimeOffset at) =>
        new(Guid.CreateVersion7(), eventType, row.Id, row.TeamId, row.HostId, row.Status, to, row.Version,
            Actors.Reconciler, reason, error, at);
}
