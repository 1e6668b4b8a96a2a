using System.Text.Json;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgent.V1;
using Lifecycle.Infrastructure.Store;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Infrastructure.HostAgents;

/// <summary>
/// The RPC behind each operation, shared by the background operation that first runs it and the
/// HostMonitor that re-drives it: every one is idempotent by sandbox id, so calling again is safe.
/// </summary>
public static class HostAgentCalls
{
    /// <summary>Calls the operation's RPC; returns what the host shows afterwards (null once destroyed).</summary>
    public static async Task<SandboxStatus?> InvokeAsync(
        HostAgentClient client, SandboxOperation operation, SandboxRow sandbox, DateTime deadline, CancellationToken ct)
    {
        var target = new SandboxRef { SandboxId = sandbox.Id.ToString() };
        var reply = operation.Name switch
        {
            "create" => await client.CreateSandboxAsync(CreateRequest(sandbox), deadline: deadline, cancellationToken: ct).ResponseAsync,
            "pause" => await client.PauseSandboxAsync(target, deadline: deadline, cancellationToken: ct).ResponseAsync,
            "resume" => await client.ResumeSandboxAsync(
                new ResumeSandboxRequest { SandboxId = target.SandboxId, ExpiresAtUnixMs = UnixMs(sandbox.ExpiresAt) },
                deadline: deadline, cancellationToken: ct).ResponseAsync,
            _ => null,
        };
        if (reply is null)
        {
            await client.DestroySandboxAsync(target, deadline: deadline, cancellationToken: ct).ResponseAsync;
            return null;
        }
        // A state this control plane does not know counts as the operation's own outcome: the call succeeded.
        return HostView.Status(reply.Sandbox) ?? operation.OnSuccess;
    }

    /// <summary>What one host shows of one sandbox, asked with <c>ListSandboxes</c> (null: neither VM nor snapshot).</summary>
    public static async Task<SandboxStatus?> ShowsAsync(HostAgentClient client, Guid sandboxId, DateTime deadline, CancellationToken ct)
    {
        var reply = await client.ListSandboxesAsync(new ListSandboxesRequest(), deadline: deadline, cancellationToken: ct);
        var id = sandboxId.ToString();
        if (reply.Sandboxes.FirstOrDefault(s => s.SandboxId == id) is { } info)
        {
            return HostView.Status(info);
        }
        return reply.StoredSnapshotIds.Contains(id) ? SandboxStatus.Paused : null;
    }

    /// <summary>Tells the host a sandbox's new deadline, set by the control plane at <paramref name="setAt"/>.</summary>
    public static async Task SetTimeoutAsync(
        HostAgentClient client, Guid sandboxId, DateTimeOffset expiresAt, DateTimeOffset setAt, DateTime deadline, CancellationToken ct) =>
        await client.SetSandboxTimeoutAsync(new SetSandboxTimeoutRequest
        {
            SandboxId = sandboxId.ToString(),
            ExpiresAtUnixMs = expiresAt.ToUnixTimeMilliseconds(),
            SetAtUnixMs = setAt.ToUnixTimeMilliseconds(),
        }, deadline: deadline, cancellationToken: ct);

    /// <summary>A database time as the host agent's Unix milliseconds; 0 for none.</summary>
    public static long UnixMs(DateTime? at) =>
        at.AsUtc()?.ToUnixTimeMilliseconds() ?? 0;

    private static CreateSandboxRequest CreateRequest(SandboxRow sandbox)
    {
        var request = new CreateSandboxRequest
        {
            SandboxId = sandbox.Id.ToString(),
            Template = sandbox.Template,
            Vcpus = sandbox.Vcpus,
            MemoryMb = sandbox.MemoryMb,
            TimeoutSec = sandbox.TimeoutSec,
            ExpiresAtUnixMs = UnixMs(sandbox.ExpiresAt),
            OnTimeout = sandbox.OnTimeout == Contract.Timeouts.OnTimeout.Destroy ? HostAgent.V1.OnTimeout.Destroy : HostAgent.V1.OnTimeout.Pause,
            LifetimeEndsAtUnixMs = UnixMs(sandbox.LifetimeEndsAt),
        };
        request.Metadata.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(sandbox.Metadata) ?? []);
        return request;
    }
}
