using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Logging;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// One HostMonitor pass. Passive phase: silent online hosts become unreachable, and the sandboxes of
/// hosts that are unreachable, silent while cordoned, draining or drained (those keep their status), or
/// decommissioned become missing (and, on decommissioned hosts, stopped). Active phase: every host in
/// service (<see cref="HostStatuses.Serving"/>) the pass covers (one slice of the fleet, or one host) is
/// reconciled in parallel, each within its own deadline; a cordoned one too, since its sandboxes carry on.
/// Passes
/// may overlap: a host still being reconciled (hung until its deadline) is skipped by the next pass,
/// so a slow or dead host delays nobody else, not even by one pass.
/// </summary>
public sealed partial class ReconcilePass(
    HostStore hosts,
    SandboxStore sandboxes,
    HostReconcile hostReconcile,
    EventOutbox outbox,
    ReconcileCounters counters,
    TimeProvider clock,
    IOptions<HostMonitorOptions> options,
    IOptions<ReplicaOptions> replica,
    ILogger<ReconcilePass> logger)
{
    private readonly string _replica = replica.Value.ResolveName();

    /// <summary>Silence moves only these (online) to unreachable; a silent host in another serving status keeps it.</summary>
    private static readonly FrozenSet<HostStatus> SilenceMoves = HostTransitionTable.Get(HostEventTypes.Silent).From;

    private readonly SemaphoreSlim _passive = new(1, 1);
    // The hosts a pass of this replica is reconciling now, with when it began on each.
    private readonly ConcurrentDictionary<Guid, long> _inProgress = new();

    /// <summary>A pass over what <paramref name="scope"/> covers, among the hosts this replica owns.</summary>
    /// <param name="ownsHost">
    /// Whether this replica answers for a host: its active phase reconciles only those, and its passive
    /// phase moves only their sandboxes.
    /// </param>
    public async Task RunAsync(PassScope scope, Func<Guid, bool> ownsHost, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var owned = (await hosts.ServingAsync(scope.OnlyHost, options.Value.HeartbeatTimeout, ct)).Where(h => ownsHost(h.Id)).ToList();
        var silenceCounts = clock.GetUtcNow() >= scope.SilenceCheckFrom;
        // Treated as unreachable while silent: its sandboxes go missing, and it is reconciled again once it
        // heartbeats (the heartbeat asks for a pass of its own), as an unreachable host is.
        var silentKeepingStatus = silenceCounts
            ? owned.Where(h => h.Silent && !SilenceMoves.Contains(h.Status)).Select(h => h.Id).ToHashSet()
            : [];
        // One passive phase at a time: an overlapping pass whose predecessor is still in it skips it.
        if (scope.RunsPassivePhase && await _passive.WaitAsync(0, ct))
        {
            try
            {
                await PassiveAsync(owned, silenceCounts, silentKeepingStatus, ownsHost, ct);
            }
            finally
            {
                _passive.Release();
            }
        }
        var targets = owned.Where(h => !silentKeepingStatus.Contains(h.Id) && scope.Covers(h.Id)).Select(h => h.Target).ToList();
        var failed = 0;
        var stillInProgress = 0;
        await Parallel.ForEachAsync(targets, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelHosts, CancellationToken = ct },
            async (host, passToken) =>
            {
                // Claimed here and given back in the finally below, never outside this body: a pass stopped
                // before it reached a host (a shard lost meanwhile stops every pass under way) must leave the
                // host to the next pass, not marked as in progress for ever.
                if (!_inProgress.TryAdd(host.Id, clock.GetTimestamp()))
                {
                    Interlocked.Increment(ref stillInProgress);
                    WarnIfStuck(host);
                    return;
                }
                using var hostScope = logger.BeginHostScope(host.Id, host.Name);
                using var deadline = CancellationTokenSource.CreateLinkedTokenSource(passToken);
                deadline.CancelAfter(options.Value.HostDeadline);
                try
                {
                    await hostReconcile.RunAsync(host, deadline.Token);
                    await hosts.MarkReconciledAsync(host.Id, _replica, passToken);
                }
                catch (Exception ex) when (!passToken.IsCancellationRequested)
                {
                    // Unanswered, too slow or failing: this host waits for the next pass, the others go on.
                    Interlocked.Increment(ref failed);
                    counters.HostFailed();
                    LogHostFailed(host.Name, ex.GetType().Name, ex.Message);
                }
                finally
                {
                    _inProgress.TryRemove(host.Id, out _);
                }
            });
        counters.Pass(watch.Elapsed, scope.Kind);
        LogPass(scope.Description, targets.Count - stillInProgress, stillInProgress, failed, watch.Elapsed.TotalMilliseconds);
    }

    /// <summary>
    /// A host still in an earlier pass is skipped, which is how a hung host delays nobody. Everything done
    /// for it ends at its deadline, so one still in progress well past it is stuck: say so, every time.
    /// </summary>
    private void WarnIfStuck(HostTarget host)
    {
        if (_inProgress.TryGetValue(host.Id, out var began) && clock.GetElapsedTime(began) is var elapsed && elapsed > 2 * options.Value.HostDeadline)
        {
            LogStillInProgress(host.Name, elapsed, options.Value.HostDeadline);
        }
    }

    /// <summary>Over the hosts this replica owns only, so each host's passive phase runs on one replica.</summary>
    private async Task PassiveAsync(
        IReadOnlyList<MonitoredHost> owned, bool silenceCounts, IReadOnlySet<Guid> silentKeepingStatus, Func<Guid, bool> ownsHost, CancellationToken ct)
    {
        var ownedOnline = owned.Where(h => SilenceMoves.Contains(h.Status)).Select(h => h.Id).ToList();
        if (silenceCounts && ownedOnline.Count > 0)
        {
            foreach (var host in await hosts.MarkSilentUnreachableAsync(options.Value.HeartbeatTimeout, ownedOnline, ct))
            {
                LogUnreachable(host.Name, options.Value.HeartbeatTimeout);
            }
        }
        var lostable = TransitionTable.Get(EventTypes.Lost).From;
        foreach (var (hostStatus, reason) in new[] { (HostStatus.Unreachable.ToWire(), Reasons.HostUnreachable), (HostStatus.Decommissioned.ToWire(), Reasons.HostDecommissioned) })
        {
            var stranded = Owned(await sandboxes.OnHostsInStatusAsync(hostStatus, lostable, ct), ownsHost);
            await RecordAsync(stranded, EventTypes.Lost, SandboxStatus.Missing, reason, ct);
        }
        if (silentKeepingStatus.Count > 0)
        {
            var stranded = await sandboxes.OnHostsAsync([.. silentKeepingStatus], lostable, ct);
            // Logged when its sandboxes go, not at every pass it stays silent.
            foreach (var host in owned.Where(h => stranded.Any(row => row.HostId == h.Id)))
            {
                LogSilentKeepingStatus(host.Name, options.Value.HeartbeatTimeout, host.Status.ToWire());
            }
            await RecordAsync(stranded, EventTypes.Lost, SandboxStatus.Missing, Reasons.HostUnreachable, ct);
        }
        // A decommissioned host never comes back, so what it ran is gone.
        var gone = Owned(await sandboxes.OnHostsInStatusAsync(HostStatus.Decommissioned.ToWire(), [SandboxStatus.Missing], ct), ownsHost);
        await RecordAsync(gone, EventTypes.Vanished, SandboxStatus.Stopped, Reasons.HostDecommissioned, ct);
    }

    private static List<HostedSandbox> Owned(IEnumerable<HostedSandbox> rows, Func<Guid, bool> ownsHost) =>
        [.. rows.Where(row => row.HostId is { } host && ownsHost(host))];

    /// <summary>Corrections of many sandboxes at once, recorded in one statement.</summary>
    private async Task RecordAsync(IReadOnlyList<HostedSandbox> rows, string eventType, SandboxStatus to, string reason, CancellationToken ct)
    {
        await outbox.RecordAsync([.. rows.Select(row => StateEvent.HostMonitorCorrection(row, eventType, to, reason, null, clock.GetUtcNow()))], ct);
        foreach (var _ in rows)
        {
            counters.Change(eventType, reason);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "HostMonitor pass over {Scope}: {Hosts} host(s) in service, {InProgress} still in an earlier pass, {Failed} failed, {ElapsedMs:F0} ms")]
    private partial void LogPass(string scope, int hosts, int inProgress, int failed, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} skipped: still in a pass begun {Elapsed} ago, past its {Deadline} deadline")]
    private partial void LogStillInProgress(string hostName, TimeSpan elapsed, TimeSpan deadline);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} has not heartbeated for {Timeout}: unreachable; its sandboxes become missing")]
    private partial void LogUnreachable(string hostName, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} has not heartbeated for {Timeout} and stays {HostStatus}; its sandboxes become missing")]
    private partial void LogSilentKeepingStatus(string hostName, TimeSpan timeout, string hostStatus);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Host {HostName} skipped this pass: {ErrorType}: {Error}")]
    private partial void LogHostFailed(string hostName, string errorType, string error);
}
