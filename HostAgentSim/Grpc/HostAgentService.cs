using Grpc.Core;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim.Fleet;
// Inside Lifecycle.*, a bare HostAgent names the Lifecycle.HostAgent namespace, not the generated class.
using HostAgentBase = Lifecycle.HostAgent.V1.HostAgent.HostAgentBase;

namespace Lifecycle.HostAgentSim.Grpc;

/// <summary>One service instance answers for every simulated host; the local port says which.</summary>
internal sealed class HostAgentService(HostDirectory directory, ILogger<HostAgentService> logger) : HostAgentBase
{
    public override async Task<SandboxReply> CreateSandbox(CreateSandboxRequest request, ServerCallContext context)
    {
        var host = await AdmitAsync(context);
        var id = RequireId(request.SandboxId);
        var admitted = host.Sandboxes.TryCreate(request.ToSpec(), host.MemoryMb, out var sandbox);
        if (admitted == SandboxTable.Admission.Destroyed)
        {
            logger.LogInformation("host {Host} refused to recreate destroyed sandbox {SandboxId}", host.Name, id);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"sandbox {id} was destroyed"));
        }
        if (admitted == SandboxTable.Admission.NoRoom)
        {
            logger.LogInformation("host {Host} has no room for sandbox {SandboxId} ({MemoryMb} MiB)", host.Name, id, request.MemoryMb);
            throw NoRoom(host, id, request.MemoryMb);
        }

        logger.LogDebug("host {Host} created sandbox {SandboxId}", host.Name, id);
        return new SandboxReply { Sandbox = sandbox!.ToProto() };
    }

    /// <summary>RESOURCE_EXHAUSTED, as a host whose memory is taken answers: a definitive refusal, not a fault to retry.</summary>
    private static RpcException NoRoom(SimulatedHost host, string id, long memoryMb) =>
        new(new Status(StatusCode.ResourceExhausted, $"host {host.Name} has no room for sandbox {id}: {memoryMb} MiB does not fit in {host.MemoryMb} MiB beside its running VMs"));

    public override async Task<SandboxReply> PauseSandbox(SandboxRef request, ServerCallContext context)
    {
        var host = await AdmitAsync(context);
        var id = RequireId(request.SandboxId);
        if (!host.Sandboxes.TryPause(id, out var sandbox))
        {
            throw NotFound(id);
        }

        logger.LogDebug("host {Host} paused sandbox {SandboxId}", host.Name, id);
        return new SandboxReply { Sandbox = sandbox.ToProto() };
    }

    public override async Task<SandboxReply> ResumeSandbox(ResumeSandboxRequest request, ServerCallContext context)
    {
        var host = await AdmitAsync(context);
        var id = RequireId(request.SandboxId);
        switch (host.Sandboxes.TryResume(id, SandboxInfoMapping.FromUnixMs(request.ExpiresAtUnixMs), host.MemoryMb, out var sandbox))
        {
            case SandboxTable.Admission.Unknown:
                throw NotFound(id);
            case SandboxTable.Admission.NoRoom:
                throw NoRoom(host, id, sandbox!.Spec.MemoryMb);
        }

        logger.LogDebug("host {Host} resumed sandbox {SandboxId}", host.Name, id);
        return new SandboxReply { Sandbox = sandbox!.ToProto() };
    }

    public override async Task<SandboxReply> SetSandboxTimeout(SetSandboxTimeoutRequest request, ServerCallContext context)
    {
        var host = await AdmitAsync(context);
        var id = RequireId(request.SandboxId);
        if (SandboxInfoMapping.FromUnixMs(request.ExpiresAtUnixMs) is not { } expiresAt)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "expires_at_unix_ms is required"));
        }
        if (!host.Sandboxes.TrySetTimeout(id, expiresAt, request.SetAtUnixMs, out var sandbox))
        {
            throw NotFound(id);
        }

        logger.LogDebug("host {Host} set the deadline of sandbox {SandboxId} to {ExpiresAt}", host.Name, id, sandbox.ExpiresAt);
        return new SandboxReply { Sandbox = sandbox.ToProto() };
    }

    public override async Task<DestroySandboxReply> DestroySandbox(SandboxRef request, ServerCallContext context)
    {
        var host = await AdmitAsync(context);
        var id = RequireId(request.SandboxId);
        var existed = host.Sandboxes.Destroy(id);
        logger.LogDebug("host {Host} destroyed sandbox {SandboxId} (existed: {Existed})", host.Name, id, existed);
        return new DestroySandboxReply { Existed = existed };
    }

    public override async Task<ListSandboxesReply> ListSandboxes(ListSandboxesRequest request, ServerCallContext context)
    {
        var host = await AdmitAsync(context);
        var (sandboxes, autoPausedIds, storedSnapshotIds) = host.Sandboxes.List();
        var reply = new ListSandboxesReply();
        reply.Sandboxes.AddRange(sandboxes.Select(sandbox => sandbox.ToProto()));
        reply.AutoPausedIds.AddRange(autoPausedIds);
        reply.StoredSnapshotIds.AddRange(storedSnapshotIds);
        return reply;
    }

    /// <summary>Finds the host the call was made to and plays its latency, freeze and injected failure.</summary>
    private async Task<SimulatedHost> AdmitAsync(ServerCallContext context)
    {
        var port = context.GetHttpContext().Connection.LocalPort;
        if (!directory.TryGet(port, out var host))
        {
            // Only possible between Kestrel binding and the fleet publishing its hosts.
            throw new RpcException(new Status(StatusCode.Unavailable, "simulated host not started"));
        }

        try
        {
            await host.DelayCallAsync(context.CancellationToken);
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // The caller already has its DEADLINE_EXCEEDED or CANCELLED; an RpcException keeps this out of error logs.
            throw new RpcException(new Status(StatusCode.Cancelled, "call ended before the host answered"));
        }

        if (host.RollInjectedFailure())
        {
            logger.LogDebug("host {Host} injected a failure into {Method}", host.Name, context.Method);
            throw new RpcException(new Status(host.FailureStatus, "injected failure"));
        }

        return host;
    }

    private static string RequireId(string sandboxId) =>
        string.IsNullOrEmpty(sandboxId)
            ? throw new RpcException(new Status(StatusCode.InvalidArgument, "sandbox_id is required"))
            : sandboxId;

    private static RpcException NotFound(string sandboxId) =>
        new(new Status(StatusCode.NotFound, $"sandbox {sandboxId} not found"));
}
