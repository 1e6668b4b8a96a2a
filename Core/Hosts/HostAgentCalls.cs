using System.Text.Json;
using Lifecycle.Core.Store;
using Lifecycle.Core.Transitions;
using Lifecycle.HostAgent.V1;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Core.Hosts;

/// <summary>
/// The RPC behind each operation, shared by the background operation that first runs it and the
/// HostMonitor that re-drives it: every one is idempotent by sandbox id, so calling again is safe.
/// </summary>
public static class HostAgentCalls
{
    /// <summary>What the host reports afterwards: the sandbox, or null once destroyed.</summary>
    public static async Task<SandboxInfo?> InvokeAsync(
        HostAgentClient client, SandboxOperation operation, SandboxRow sandbox, DateTime deadline, CancellationToken ct)
    {
        var target = new SandboxRef { SandboxId = sandbox.Id.ToString() };
        if (operation == SandboxOperation.Create)
        {
            var request = new CreateSandboxRequest
            {
                SandboxId = target.SandboxId,
                Template = sandbox.Template,
                Vcpus = sandbox.Vcpus,
                MemoryMb = sandbox.MemoryMb,
                TimeoutSec = sandbox.TimeoutSec,
            };
            request.Metadata.Add(JsonSerializer.Deserialize<Dictionary<string, string>>(sandbox.Metadata) ?? []);
            return (await client.CreateSandboxAsync(request, deadline: deadline, cancellationToken: ct).ResponseAsync.ConfigureAwait(false)).Sandbox;
        }
        if (operation == SandboxOperation.Pause)
        {
            return (await client.PauseSandboxAsync(target, deadline: deadline, cancellationToken: ct).ResponseAsync.ConfigureAwait(false)).Sandbox;
        }
        if (operation == SandboxOperation.Resume)
        {
            return (await client.ResumeSandboxAsync(target, deadline: deadline, cancellationToken: ct).ResponseAsync.ConfigureAwait(false)).Sandbox;
        }
        await client.DestroySandboxAsync(target, deadline: deadline, cancellationToken: ct).ResponseAsync.ConfigureAwait(false);
        return null;
    }
}
