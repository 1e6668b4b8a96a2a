using System.Collections.Concurrent;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.Infrastructure.Logging;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>
/// One round of one host's drain: read its sandboxes, plan (<see cref="DrainPlanner"/>), ask for the
/// pauses and destroys through <see cref="OperationRequests"/> (the path a team's request takes, with actor
/// <c>drain</c> and reason <c>drained</c>), and once every sandbox is where the mode leaves it, move the
/// host to drained. It keeps nothing between rounds that Postgres does not: any replica can take over.
/// </summary>
public sealed partial class HostDrainer(
    SandboxStore sandboxes,
    HostStore hosts,
    OperationRequests requests,
    DrainProgress progress,
    IOptions<DrainOptions> options,
    ILogger<HostDrainer> logger)
{
    // Hosts whose deadline this replica has already logged as passed: once per drain, not once per round.
    private readonly ConcurrentDictionary<(Guid Host, DateTime Started), bool> _deadlineLogged = new();

    public async Task RunAsync(HostDrain drain, CancellationToken ct)
    {
        using var scope = logger.BeginHostScope(drain.Id, drain.Name);
        var mode = drain.Mode;
        var rows = await sandboxes.NotStoppedOnHostAsync(drain.Id, ct);
        var plan = DrainPlanner.Plan(mode, rows, drain.PastDeadline, options.Value.MaxInFlightPerHost);
        progress.Record(drain.Id, drain.Name, plan.Remaining);
        if (plan.Remaining == 0)
        {
            await FinishAsync(drain, rows.Count, ct);
            return;
        }
        if (drain.PastDeadline && _deadlineLogged.TryAdd((drain.Id, drain.DrainStartedAt), true))
        {
            LogDeadlinePassed(drain.Name, mode.ToWire(), plan.Remaining);
        }
        // Side by side: each is a read, a compare-and-set and a publish, and there are at most the window's worth.
        await Task.WhenAll(plan.Requests.Select(r =>
            requests.RequestAsync(r.Operation, r.Sandbox.TeamId, r.Sandbox.Id, Actors.Drain, Reasons.Drained, ct)));
        if (plan.Requests.Count > 0)
        {
            LogRound(drain.Name, mode.ToWire(), plan.Requests.Count, plan.Remaining, plan.InFlight);
        }
    }

    private async Task FinishAsync(HostDrain drain, int kept, CancellationToken ct)
    {
        var mode = drain.Mode;
        var reason = kept == 0 ? $"{mode.ToWire()}: no sandbox left on the host" : $"{mode.ToWire()}: {kept} sandbox(es) left paused on the host";
        if (await hosts.FinishDrainAsync(drain.Id, mode, Actors.HostMonitor, reason, ct) is HostTransitionOutcome.Moved)
        {
            _deadlineLogged.TryRemove((drain.Id, drain.DrainStartedAt), out _);
            LogDrained(drain.Name, mode.ToWire(), kept);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Drain of host {HostName} ({Mode}): {Requested} requested, {Remaining} remaining, {InFlight} in flight")]
    private partial void LogRound(string hostName, string mode, int requested, int remaining, int inFlight);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain of host {HostName} ({Mode}) passed its deadline with {Remaining} sandbox(es) remaining: they are destroyed")]
    private partial void LogDeadlinePassed(string hostName, string mode, int remaining);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host {HostName} drained ({Mode}); {Kept} sandbox(es) left paused on it")]
    private partial void LogDrained(string hostName, string mode, int kept);
}
