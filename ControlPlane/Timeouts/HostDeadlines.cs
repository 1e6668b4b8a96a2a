using Grpc.Core;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>
/// Tells a sandbox's host its new deadline (<c>SetSandboxTimeout</c>) in a tracked background task, so the timeout
/// and connect calls answer at once. A sandbox still starting or resuming may not be on its host yet (NOT_FOUND):
/// asked again with backoff until <see cref="TimeoutOptions.HostNoticeTimeout"/>. A notice that does not arrive is
/// repaired by the HostMonitor's next pass, which compares the host's deadline with the row's.
/// </summary>
public sealed partial class HostDeadlines(
    HostAgentClients clients,
    BackgroundOperations background,
    TimeProvider clock,
    IOptions<TimeoutOptions> options,
    ILogger<HostDeadlines> logger)
{
    public const string OperationName = "set_timeout";

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);

    /// <summary>Starts the notice when the sandbox's timer runs on its host; a paused one learns its deadline at resume.</summary>
    public void Tell(SandboxRow sandbox, DateTime setAt)
    {
        if (sandbox.HostId is not { } hostId || sandbox.HostAddress is not { } address || sandbox.ExpiresAt is not { } expiresAt
            || !TimeoutStore.Timed.Contains(sandbox.Status))
        {
            return;
        }
        background.Start(OperationName, sandbox.Id, ct => NotifyAsync(clients.For(hostId, address), sandbox.Id, expiresAt.AsUtc(), setAt.AsUtc(), ct));
    }

    private async Task<string> NotifyAsync(HostAgent.V1.HostAgent.HostAgentClient client, Guid sandboxId, DateTimeOffset expiresAt, DateTimeOffset setAt, CancellationToken ct)
    {
        var giveUp = clock.GetUtcNow() + options.Value.HostNoticeTimeout;
        var backoff = FirstBackoff;
        while (true)
        {
            var callDeadline = clock.GetUtcNow() + TimeSpan.FromSeconds(5);
            try
            {
                await HostAgentCalls.SetTimeoutAsync(client, sandboxId, expiresAt, setAt, (callDeadline < giveUp ? callDeadline : giveUp).UtcDateTime, ct);
                return OperationCounters.Succeeded;
            }
            catch (RpcException ex) when (!ct.IsCancellationRequested)
            {
                if (clock.GetUtcNow() + backoff >= giveUp || ex.StatusCode is not (StatusCode.NotFound or StatusCode.Unavailable))
                {
                    LogNotTold(sandboxId, ex.StatusCode.ToString());
                    return OperationCounters.Failed;
                }
                await Task.Delay(backoff, clock, ct);
                backoff *= 2;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not tell the host of sandbox {SandboxId} its new deadline ({Status}); the HostMonitor's next pass will")]
    private partial void LogNotTold(Guid sandboxId, string status);
}
