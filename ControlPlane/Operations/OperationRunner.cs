using Grpc.Core;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Logging;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// Carries out one operation on the sandbox's host and records its outcome as a state event in the outbox as soon as
/// the host has answered. It never changes the sandbox's row: the consumer group applies the event from the stream
/// with the version fence.
/// </summary>
public sealed partial class OperationRunner(
    HostAgentClients clients,
    EventOutbox outbox,
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
        var noRoom = false;
        try
        {
            await HostAgentCalls.InvokeAsync(client, operation, sandbox, clock.GetUtcNow().UtcDateTime + options.Value.RpcTimeout, ct);
        }
        catch (RpcException ex) when (!ct.IsCancellationRequested)
        {
            error = $"{ex.StatusCode}: {ex.Status.Detail}";
            noRoom = ex.StatusCode == StatusCode.ResourceExhausted;
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

        // A create the host had no room for made nothing: it ends stopped (no_capacity), holding nothing. The
        // control plane counted room there, so its count was wrong (an unaccounted VM, a size lowered behind its
        // back); the client, told at once, creates again and placement weighs the host afresh.
        var outcome = noRoom && operation == SandboxOperation.Create
            ? StateEvent.CreateRefused(sandbox, error!, clock.GetUtcNow())
            : StateEvent.OperationOutcome(operation, sandbox, error, reason, clock.GetUtcNow());
        if (!await RecordAsync(outcome, sandbox, ct))
        {
            return OperationCounters.Unknown;
        }
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
    /// Records the outcome, trying again while Postgres is away, until the operation's deadline: once it has passed the
    /// HostMonitor settles the sandbox against its host, so an outcome recorded later would only be stale. Redis plays
    /// no part: the outcome is safe once recorded, and reaches the stream when it can.
    /// </summary>
    private async Task<bool> RecordAsync(StateEvent outcome, SandboxRow sandbox, CancellationToken ct)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await outbox.RecordAsync(outcome, ct);
                return true;
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                if (sandbox.OperationDeadline is { } deadline && clock.GetUtcNow() + delay >= deadline.AsUtc())
                {
                    LogRecordAbandoned(ex, outcome.EventId, sandbox.Id, attempt);
                    return false;
                }
                LogRecordRetry(ex, outcome.EventId, attempt);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "{Operation} of sandbox {SandboxId} succeeded on its host; recorded {EventId}")]
    private partial void LogSucceeded(string operation, Guid sandboxId, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} of sandbox {SandboxId} failed on its host: {Error}; recorded {EventId}")]
    private partial void LogFailed(string operation, Guid sandboxId, string error, Guid eventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Operation} of sandbox {SandboxId} undecided: {Error}, and the host does not answer; left to the HostMonitor")]
    private partial void LogUndecided(string operation, Guid sandboxId, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Recording outcome {EventId} failed (attempt {Attempt}); retrying")]
    private partial void LogRecordRetry(Exception ex, Guid eventId, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording outcome {EventId} of sandbox {SandboxId} failed {Attempts} time(s) until its deadline; left to the HostMonitor")]
    private partial void LogRecordAbandoned(Exception ex, Guid eventId, Guid sandboxId, int attempts);
}
