using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.Grpc;

internal static class SandboxInfoMapping
{
    public static SandboxInfo ToProto(this SimulatedSandbox sandbox) => new()
    {
        SandboxId = sandbox.Id,
        State = sandbox.State switch
        {
            SimulatedSandboxState.Running => SandboxState.Running,
            SimulatedSandboxState.Paused => SandboxState.Paused,
            _ => SandboxState.Unspecified,
        },
        AutoPaused = sandbox.AutoPaused,
        StartedAtUnixMs = sandbox.StartedAt.ToUnixTimeMilliseconds(),
        ExpiresAtUnixMs = sandbox.ExpiresAt?.ToUnixTimeMilliseconds() ?? 0,
        Vcpus = sandbox.Spec.Vcpus,
        MemoryMb = sandbox.Spec.MemoryMb,
    };

    public static SandboxSpec ToSpec(this CreateSandboxRequest request) => new(
        request.SandboxId,
        request.Template,
        request.Vcpus,
        request.MemoryMb,
        request.TimeoutSec,
        request.Metadata.ToDictionary(StringComparer.Ordinal),
        FromUnixMs(request.ExpiresAtUnixMs),
        request.OnTimeout == OnTimeout.Destroy,
        FromUnixMs(request.LifetimeEndsAtUnixMs));

    /// <summary>A time on the wire (Unix milliseconds), 0 meaning none.</summary>
    public static DateTimeOffset? FromUnixMs(long unixMs) => unixMs > 0 ? DateTimeOffset.FromUnixTimeMilliseconds(unixMs) : null;
}
