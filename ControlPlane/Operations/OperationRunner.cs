using Grpc.Core;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Logging;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// Carries out one operation on the sandbox's host and publishes its outcome as a state event.
/// It never writes Postgres: the consumer group applies the event with the version fence.
/// </summary>
public sealed partial class OperationRunner(
    HostAgentClients clients,
    EventPublisher publisher,
    TimeProvider clock,
    IOptions<OperationOptions> options,
    ILogger<OperationRunner> logger)
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// <paramref name="sandbox"/> is the row as the API left it: in the operation's transient state.
    /// Returns how it ended (<see cref="OperationCounters.Succeeded"/>, <see cref="OperationCounters.Failed"/>
    /// or <see cref="OperationCounters.Unknown"/>). <paramref name="reason"/>, the request's, is the success event's too.
    /// </summary>
    public async Task<string> RunAsync(SandboxOperation operation, SandboxRow sandbox, string? reason, CancellationToken ct)
    {
        using var scope = logger.BeginOperationScope(operation.Name, sandbox.Id, sandbox.HostId);
        var client = clients.For(sandbox.HostId!.Value, sandbox.HostAddress!);
        string? error = null;
        try
        {
            await HostAgentCalls.InvokeAsync(client, operation, sandbox, clock.GetUtcNow().UtcDateTime + options.Value.RpcTimeout, ct);
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            error = $"{ex.StatusCode}: {ex.Status.Detail}";
            // A timeout or a dropped connection says nothing of what the host did: ask it before declaring
            // failure. A host that cannot say either (frozen, gone) decides nothing: the sandbox stays in
            // its transient state, and the HostMonitor settles it against the host after its deadline. A
            // failure declared here would be final (error), while the VM may well come up a moment later.
            if (IsAmbiguous(ex.StatusCode))
            {
                switch (await AskHostAsync(client, operation, sandbox.Id, ct))
                {
                    case null:
                        LogUndecided(operation.Name, sandbox.Id, error);
                        return OperationCounters.Unknown;
                    case true:
                        error = null;
                        break;
                }
            }
        }

        var outcome = StateEvent.OperationOutcome(operation, sandbox, error, reason, clock.GetUtcNow());
        await PublishWithRetryAsync(outcome, ct);
        if (error is null)
        {
            LogSucceeded(operation.Name, sandbox.Id, outcome.EventId);
            return OperationCounters.Succeeded;
        }
        LogFailed(operation.Name, sandbox.Id, error, outcome.EventId);
        return OperationCounters.Failed;
    }

    private static bool IsAmbiguous(StatusCode code) =>
        code is StatusCode.DeadlineExceeded or StatusCode.Unavailable or StatusCode.Cancelled or StatusCode.Unknown;

    /// <summary>Whether the host shows the operation done (<see cref="HostOutcomes"/>), or null when it does not answer.</summary>
    private async Task<bool?> AskHostAsync(HostAgentClient client, SandboxOperation operation, Guid sandboxId, CancellationToken ct)
    {
        try
        {
            var shown = await HostAgentCalls.ShowsAsync(client, sandboxId, clock.GetUtcNow().UtcDateTime + ProbeTimeout, ct);
            return HostOutcomes.ShowsDone(operation, shown);
        }
        catch (RpcException)
        {
            return null;
        }
    }

    /// <summary>
    /// Redis may blink; retry a few times. If it stays down the event is lost, but the sandbox is not:
    /// it stays transient and the HostMonitor settles it after its deadline.
    /// </summary>
    private async Task PublishWithRetryAsync(StateEvent stateEvent, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await publisher.PublishAsync(stateEvent);
                return;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException && attempt < 5)
            {
                LogPublishRetry(ex, stateEvent.EventId, attempt);
                await Task.Delay(delay, ct);
                delay *= 2;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} of sandbox {SandboxId} succeeded on its host; published {EventId}")]
    private partial void LogSucceeded(string operation, Guid sandboxId, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} of sandbox {SandboxId} failed on its host: {Error}; published {EventId}")]
    private partial void LogFailed(string operation, Guid sandboxId, string error, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} of sandbox {SandboxId} undecided: {Error}, and the host does not answer; left to the HostMonitor")]
    private partial void LogUndecided(string operation, Guid sandboxId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing event {EventId} failed (attempt {Attempt}); retrying")]
    private partial void LogPublishRetry(Exception ex, Guid eventId, int attempt);
}
