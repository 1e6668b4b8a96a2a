using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgent.V1;
using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Bench.Chaos;

/// <summary>One invariant after the soak: how many things it looked at, and each violation with its evidence.</summary>
public sealed record InvariantResult(int Number, string Name, long Checked, IReadOnlyList<string> Violations)
{
    public bool Holds => Violations.Count == 0;
}

/// <summary>
/// How the stream's entries ended: applied, skipped as stale, dead-lettered, or none of those (lost). On a
/// cluster, also the entries seen during the run that a master's failover took off the stream: those
/// applied (or stale) before, and those lost before they were applied, whose sandboxes the HostMonitor
/// had to settle.
/// </summary>
public sealed record EventCounts(long Published, long Applied, long Stale, long DeadLettered, long Lost, long HistoryRows,
    long GoneAfterApplied = 0, long LostInFailover = 0);

/// <summary>
/// The cluster topology's extra knowledge: every entry the <see cref="StreamRecorder"/> saw, the
/// partitions whose master was killed during the run, and how many partitions and host shards must be owned.
/// </summary>
public sealed record ClusterFacts(IReadOnlyCollection<EntryFact> Seen, IReadOnlySet<int> FailedOverPartitions, int Partitions, int HostShards);

/// <summary>
/// The soak's invariants (docs/contract.md, invariants 1–8), checked from the <see cref="ChaosFacts"/> and the
/// client's own log of requests and answers.
/// </summary>
public static class InvariantChecker
{
    private static readonly Dictionary<string, string> Asked = new(StringComparer.Ordinal)
    {
        ["create"] = "running",
        ["pause"] = "paused",
        ["resume"] = "running",
        ["destroy"] = "stopped",
        // A connect answered 202 resumed a paused sandbox (one answered 200 asked for nothing new).
        ["connect"] = "running",
    };

    /// <summary>Rows that say why a sandbox did not end where a request asked.</summary>
    private static readonly HashSet<string> Explaining = new(StringComparer.Ordinal)
    {
        EventTypes.CreateFailed, EventTypes.CreateRefused, EventTypes.PauseFailed, EventTypes.ResumeFailed, EventTypes.DestroyFailed,
        EventTypes.TimedOut, EventTypes.Exited, EventTypes.Lost, EventTypes.Vanished, EventTypes.AutoPaused,
    };

    public static IReadOnlyList<InvariantResult> Check(ChaosFacts facts, IReadOnlyCollection<RequestRecord> requests, out EventCounts events,
        ClusterFacts? cluster = null, LimitFacts? limits = null)
    {
        List<InvariantResult> results =
        [
            LegalHistory(facts),
            NothingLost(facts, cluster, out events),
            NothingInLimbo(facts),
            NoOrphansOrLeaks(facts),
            AcceptedNeverUndone(facts, requests),
            OutagesAnswer(requests, limits?.Faults ?? []),
        ];
        if (cluster is not null)
        {
            results.Add(EverySlotOwned(facts, cluster));
        }
        if (limits is not null)
        {
            results.Add(NoneOutlivesItsExpiry(limits));
            results.Add(QuotaNeverExceeded(limits));
            results.Add(HostsWithinCapacity(facts, limits));
        }
        return results;
    }

    private static string HistoryOf(ChaosFacts facts, Guid id) =>
        string.Join("\n      ", facts.History.Where(h => h.SandboxId == id).Select(h => h.ToString()));

    private static string Row(ChaosFacts facts, Guid id) =>
        facts.Sandboxes.TryGetValue(id, out var s)
            ? $"sandbox {id}: {s.Status} v{s.Version} host={s.HostId} deadline={s.OperationDeadline:HH:mm:ss} last_error={s.LastError ?? "-"}\n      {HistoryOf(facts, id)}"
            : $"sandbox {id}: no row\n      {HistoryOf(facts, id)}";

    private static InvariantResult LegalHistory(ChaosFacts facts)
    {
        var violations = new List<string>();
        foreach (var h in facts.History)
        {
            SandboxStatus? from = h.FromStatus is null ? null : SandboxStatuses.Parse(h.FromStatus);
            if (!TransitionTable.Allows(h.Type, from, SandboxStatuses.Parse(h.ToStatus)))
            {
                violations.Add($"not a row of the transition table: {h}\n      {Row(facts, h.SandboxId)}");
            }
        }
        foreach (var group in facts.History.GroupBy(h => h.SandboxId))
        {
            var versions = group.Select(h => h.Version).Order().ToList();
            var expected = Enumerable.Range(0, versions.Count).Select(v => (long)v);
            var rowVersion = facts.Sandboxes.TryGetValue(group.Key, out var row) ? row.Version : -1;
            if (!versions.SequenceEqual(expected) || rowVersion != versions.Count)
            {
                violations.Add($"history versions [{string.Join(',', versions)}] with the row at v{rowVersion}: gaps or repeats\n      {Row(facts, group.Key)}");
            }
        }
        return new InvariantResult(1, "every status change is a row of the transition table; versions have no gaps", facts.History.Count, violations);
    }

    private static InvariantResult NothingLost(ChaosFacts facts, ClusterFacts? cluster, out EventCounts counts)
    {
        var violations = new List<string>();
        if (facts.Pending != 0 || facts.Lag != 0)
        {
            violations.Add($"appliers group: {facts.Pending} pending, lag {facts.Lag?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}");
        }
        var applied = facts.History.Select(h => h.EventId).ToHashSet();
        var appliedAt = facts.History.Select(h => (h.SandboxId, h.Version)).ToHashSet();
        var deadSources = facts.DeadLetters.Where(d => d.SourceId is not null).Select(d => d.SourceId!).ToHashSet(StringComparer.Ordinal);
        long ok = 0, stale = 0, dead = 0, lost = 0;
        foreach (var e in facts.Entries)
        {
            if (e.EventId is { } id && applied.Contains(id))
            {
                ok++;
            }
            else if (deadSources.Contains(e.EntryId))
            {
                dead++;
            }
            else if (e.SandboxId is { } sandbox && e.Version is { } version
                && (appliedAt.Contains((sandbox, version)) || (facts.Sandboxes.TryGetValue(sandbox, out var row) && row.Version > version)))
            {
                stale++;
            }
            else
            {
                lost++;
                violations.Add($"neither applied, stale nor dead-lettered: {e}\n      {(e.SandboxId is { } s ? Row(facts, s) : "no sandbox id")}");
            }
        }
        foreach (var letter in facts.DeadLetters.Where(d => string.IsNullOrWhiteSpace(d.Reason)))
        {
            violations.Add($"dead letter {letter.EntryId} (source {letter.SourceId}) has no reason");
        }
        var (goneAfterApplied, lostInFailover) = cluster is null ? (0L, 0L) : GoneWithFailovers(facts, cluster, applied, appliedAt, violations);
        counts = new EventCounts(facts.Entries.Count, ok, stale, dead, lost, facts.History.Count, goneAfterApplied, lostInFailover);
        return new InvariantResult(2, "nothing pending; every event applied, stale or dead-lettered with a reason", facts.Entries.Count, violations);
    }

    /// <summary>
    /// Entries seen during the run and no longer on the stream. Only a master's failover may take entries
    /// off (nothing trims the streams): one on a partition whose master never failed over is a violation.
    /// One lost before it was applied is tolerated only when its sandbox has settled since: the HostMonitor
    /// must have done what the event would have.
    /// </summary>
    private static (long GoneAfterApplied, long LostInFailover) GoneWithFailovers(ChaosFacts facts, ClusterFacts cluster,
        HashSet<Guid> applied, HashSet<(Guid, long)> appliedAt, List<string> violations)
    {
        var onStream = facts.Entries.Select(e => (e.EntryId, e.EventId)).ToHashSet();
        long goneAfterApplied = 0, lostInFailover = 0;
        foreach (var e in cluster.Seen.Where(e => !onStream.Contains((e.EntryId, e.EventId))))
        {
            var partition = int.Parse(e.EntryId.AsSpan(1, e.EntryId.IndexOf('/', StringComparison.Ordinal) - 1), System.Globalization.CultureInfo.InvariantCulture);
            if (!cluster.FailedOverPartitions.Contains(partition))
            {
                violations.Add($"gone from the stream of partition {partition}, whose master never failed over: {e}\n      {(e.SandboxId is { } s ? Row(facts, s) : "no sandbox id")}");
                continue;
            }
            if ((e.EventId is { } id && applied.Contains(id))
                || (e.SandboxId is { } sandbox && e.Version is { } version
                    && (appliedAt.Contains((sandbox, version)) || (facts.Sandboxes.TryGetValue(sandbox, out var row) && row.Version > version))))
            {
                goneAfterApplied++;
                continue;
            }
            lostInFailover++;
            if (e.SandboxId is not { } lostFor || !facts.Sandboxes.TryGetValue(lostFor, out var settled)
                || SandboxStatuses.Unsettled.Contains(SandboxStatuses.Parse(settled.Status)))
            {
                violations.Add($"lost with a failover and not made good (its sandbox is not settled): {e}\n      {(e.SandboxId is { } s ? Row(facts, s) : "no sandbox id")}");
            }
        }
        return (goneAfterApplied, lostInFailover);
    }

    /// <summary>After quiescence, every event partition and every host shard has a lease held by a live replica.</summary>
    private static InvariantResult EverySlotOwned(ChaosFacts facts, ClusterFacts cluster)
    {
        var violations = new List<string>();
        foreach (var (kind, slots) in new[] { (LeaseKind.EventPartitions.Name, cluster.Partitions), (LeaseKind.HostShards.Name, cluster.HostShards) })
        {
            for (var slot = 0; slot < slots; slot++)
            {
                var lease = facts.Leases.FirstOrDefault(l => l.Kind == kind && l.Slot == slot);
                if (lease is not { Owner: not null, Live: true })
                {
                    violations.Add(lease is null
                        ? $"{kind} slot {slot}: no lease row"
                        : $"{kind} slot {slot}: owner {lease.Owner ?? "none"}, {(lease.Live ? "live" : "not live")}, fence {lease.Fence}, expires {lease.ExpiresAt:HH:mm:ss.fff}");
                }
            }
        }
        return new InvariantResult(7, "every event partition and host shard is owned by a live replica", cluster.Partitions + cluster.HostShards, violations);
    }

    private static InvariantResult NothingInLimbo(ChaosFacts facts)
    {
        var violations = facts.Sandboxes.Values
            .Where(s => SandboxStatuses.Unsettled.Contains(SandboxStatuses.Parse(s.Status)))
            .Select(s => $"still {s.Status}: {Row(facts, s.Id)}").ToList();
        return new InvariantResult(3, "no sandbox transient or missing after quiescence", facts.Sandboxes.Count, violations);
    }

    private static InvariantResult NoOrphansOrLeaks(ChaosFacts facts)
    {
        var violations = facts.UnlistableHosts.Select(h => $"ListSandboxes failed on {h}").ToList();
        var names = facts.Hosts.ToDictionary(h => h.Id, h => h.Name);
        long vmCount = 0;
        foreach (var (hostId, vms) in facts.HostVms)
        {
            foreach (var vm in vms)
            {
                vmCount++;
                var id = Guid.Parse(vm.SandboxId);
                if (!facts.Sandboxes.TryGetValue(id, out var row) || row.Status is "stopped" or "error" || row.HostId != hostId)
                {
                    violations.Add($"VM {vm.State} on {names[hostId]} for a row that is {row?.Status ?? "absent"} (row host {row?.HostId}): {Row(facts, id)}");
                }
            }
        }
        foreach (var row in facts.Sandboxes.Values.Where(s => s.Status is "running" or "paused"))
        {
            if (row.HostId is not { } hostId || !facts.HostVms.TryGetValue(hostId, out var vms))
            {
                violations.Add($"{row.Status} row on a host that is not listed ({row.HostId}): {Row(facts, row.Id)}");
                continue;
            }
            var want = row.Status == "running" ? SandboxState.Running : SandboxState.Paused;
            var vm = vms.FirstOrDefault(v => v.SandboxId == row.Id.ToString());
            if (vm?.State != want)
            {
                violations.Add($"{row.Status} row, host {names[hostId]} shows {vm?.State.ToString() ?? "nothing"}: {Row(facts, row.Id)}");
            }
        }
        return new InvariantResult(4, "no VM for a stopped, error or absent row; every running/paused row on its host in that state (invariants 4, 7)", vmCount, violations);
    }

    private static InvariantResult AcceptedNeverUndone(ChaosFacts facts, IReadOnlyCollection<RequestRecord> requests)
    {
        var violations = new List<string>();
        var last = requests.Where(r => r.Accepted && r.SandboxId is not null && Asked.ContainsKey(r.Op))
            .GroupBy(r => r.SandboxId!.Value)
            .Select(g => g.MaxBy(r => r.AnsweredMs)!)
            .ToList();
        foreach (var request in last)
        {
            var id = request.SandboxId!.Value;
            var asked = Asked[request.Op];
            if (!facts.Sandboxes.TryGetValue(id, out var row))
            {
                violations.Add($"accepted {request.Op} (request {request.Seq}) but no such sandbox: {Row(facts, id)}");
                continue;
            }
            if (row.Status == asked)
            {
                continue;
            }
            var after = facts.History.Where(h => h.SandboxId == id && h.Version >= (request.Version ?? 0)).ToList();
            // The evictor's pause or destroy of an expired sandbox says why too (actor evictor, reason timeout or max_lifetime).
            var why = after.FirstOrDefault(h => Explaining.Contains(h.Type) || h.Actor == Actors.Evictor
                || (h.Type == EventTypes.Settled && (h.Reason ?? h.Error) is not null));
            // An accepted destroy is never undone: it ends stopped, or in error after the destroy itself failed.
            var explained = request.Op == "destroy"
                ? row.Status == "error" && after.Any(h => h.Type is EventTypes.DestroyFailed or EventTypes.TimedOut)
                : why is not null;
            if (!explained)
            {
                violations.Add($"accepted {request.Op} at {request.AnsweredMs / 1000:F1}s (answer v{request.Version}, request {request.Seq}) ended {row.Status}, history says nothing of why: {Row(facts, id)}");
            }
        }
        return new InvariantResult(5, "every accepted request ended as asked, or its history says why not", last.Count, violations);
    }

    /// <summary>
    /// Invariant 8: every reading of a running sandbox on an online host more than <see cref="LimitSampler.OverdueBound"/>
    /// past its expiry is a violation, unless a fault was under way within that bound before it (a frozen or crashed
    /// host, a replica, Redis or Postgres down: then the host is not reachable, or the control plane cannot act).
    /// </summary>
    private static InvariantResult NoneOutlivesItsExpiry(LimitFacts limits)
    {
        var bound = LimitSampler.OverdueBound.TotalMilliseconds;
        var samples = limits.Sampler.Samples;
        var violations = samples
            .Where(sample => !limits.Faults.Any(f => f.StartedMs <= sample.AtMs && f.EndedMs + bound >= sample.AtMs))
            .SelectMany(sample => sample.Overdue.Select(o => $"at {sample.AtMs / 1000:F1}s sandbox {o.Id} ran {o.OverdueSeconds:F1}s past its expires_at, no fault under way"))
            .ToList();
        return new InvariantResult(8, $"no running sandbox outlives expires_at by more than {LimitSampler.OverdueBound.TotalSeconds:0}s while its host is reachable",
            samples.Count, violations);
    }

    /// <summary>Invariant 9: no reading, during the run or after it, finds the soak team over its active quota.</summary>
    private static InvariantResult QuotaNeverExceeded(LimitFacts limits)
    {
        var samples = limits.Sampler.Samples;
        var violations = samples.Where(sample => sample.Active > limits.ActiveQuota)
            .Select(sample => $"at {sample.AtMs / 1000:F1}s the team had {sample.Active} active sandboxes, over its max_active_sandboxes of {limits.ActiveQuota}")
            .ToList();
        return new InvariantResult(9, $"the team's quota of {limits.ActiveQuota} active sandboxes is never exceeded", samples.Count, violations);
    }

    /// <summary>
    /// Invariant 10: no reading finds a host running more than its allocatable times the ratio (vCPUs 4.0, memory 1.0, the
    /// control plane's defaults), as the host itself reports it, and no host ever refused a create or resume for want of
    /// room: the control plane's limit holds, not the host's. The simulator enforces its memory itself, not its vCPUs.
    /// After the faults, each host's allocation ledger (what the limit is checked against) equals its holding sandboxes.
    /// </summary>
    private static InvariantResult HostsWithinCapacity(ChaosFacts facts, LimitFacts limits)
    {
        var limit = CapacityRules.Limit(new Resources(ChaosSimulator.HostVcpus, ChaosSimulator.HostMemoryMb), OvercommitRatios.Default);
        var samples = limits.Sampler.HostUse;
        var violations = samples.Where(s => s.RunningVcpus > limit.Vcpus || s.RunningMemoryMb > limit.MemoryMb)
            .Select(s => $"at {s.AtMs / 1000:F1}s host {s.Host} ran {s.RunningVcpus} vCPUs and {s.RunningMemoryMb} MiB, over its {limit.Vcpus} and {limit.MemoryMb}")
            .Concat(facts.History.Where(h => h.Reason == Reasons.NoCapacity)
                .Select(h => $"the host of sandbox {h.SandboxId} refused it for want of room: {h}"))
            .Concat(facts.Ledgers.Where(l => !l.Agrees)
                .Select(l => $"host {l.Host}'s allocation ledger says {l.LedgerSandboxes} sandboxes, {l.LedgerVcpus} vCPUs, {l.LedgerMemoryMb} MiB; its holding sandboxes are {l.Sandboxes}, {l.Vcpus}, {l.MemoryMb}"))
            .ToList();
        return new InvariantResult(10, $"no host runs more than {limit.Vcpus} vCPUs and {limit.MemoryMb} MiB, none refuses for want of room, and every host's allocation ledger agrees with its sandboxes",
            samples.Count + facts.Ledgers.Count, violations);
    }

    /// <summary>
    /// Invariant 6: no 5xx but 503 with Retry-After, an answer to every request while the control plane is up, and no
    /// 503 at all while only Redis is away (a Redis kill's window): requests are accepted then, their events wait in the outbox.
    /// </summary>
    private static InvariantResult OutagesAnswer(IReadOnlyCollection<RequestRecord> requests, IReadOnlyList<FaultRecord> faults)
    {
        var redisAway = faults.Where(f => f.Kind == nameof(FaultKind.RedisKill)).ToList();
        // A long poll sent while Redis is away can be answered in a Postgres fault that follows: that 503 is Postgres's.
        var otherOutages = faults.Where(f => f.Kind is nameof(FaultKind.PostgresCrash) or nameof(FaultKind.PostgresLock) or nameof(FaultKind.ControlPlaneKill)).ToList();
        var violations = requests.Where(r => r.ServerFailure)
            .Select(r => $"request {r.Seq} {r.Op} {r.SandboxId} at {r.SentMs / 1000:F1}s answered {r.Code}{(r.Code == 503 ? " without Retry-After" : "")} ({r.Problem ?? "no problem title"})")
            .Concat(requests.Where(r => r.Op != "crash" && r.UnansweredWhileUp)
                .Select(r => $"request {r.Seq} {r.Op} {r.SandboxId} at {r.SentMs / 1000:F1}s: no answer ({r.Error}) after {(r.AnsweredMs - r.SentMs) / 1000:F1}s while the control plane was up"))
            // "No capacity" is the fleet being full, an answer the contract gives whatever Redis does.
            .Concat(requests.Where(r => r.Code == 503 && r.Problem != NoCapacityTitle && OnlyRedisAway(r, redisAway, otherOutages))
                .Select(r => $"request {r.Seq} {r.Op} {r.SandboxId} at {r.SentMs / 1000:F1}s answered 503 while only Redis was away ({r.Problem ?? "no problem title"})"))
            .ToList();
        return new InvariantResult(6, "no 5xx but 503 with Retry-After, an answer to every request while the control plane was up, and no 503 while only Redis was away",
            requests.Count, violations);
    }

    private const string NoCapacityTitle = "No capacity";

    /// <summary>Whether the request was sent inside a Redis kill's window and answered with no Postgres or control-plane fault meanwhile.</summary>
    private static bool OnlyRedisAway(RequestRecord request, IReadOnlyList<FaultRecord> redisAway, IReadOnlyList<FaultRecord> otherOutages) =>
        redisAway.Any(f => f.StartedMs <= request.SentMs && request.SentMs <= f.EndedMs)
        && !otherOutages.Any(f => f.StartedMs <= request.AnsweredMs && request.SentMs <= f.EndedMs);
}
