using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgent.V1;

namespace Lifecycle.Infrastructure.HostAgents;

/// <summary>A host agent's sandbox states read as sandbox statuses.</summary>
public static class HostView
{
    /// <summary>Running or paused, or null for a state this control plane does not know.</summary>
    public static SandboxStatus? Status(SandboxInfo info) => info.State switch
    {
        SandboxState.Running => SandboxStatus.Running,
        SandboxState.Paused => SandboxStatus.Paused,
        _ => null,
    };
}
