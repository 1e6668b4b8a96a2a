using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Npgsql;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// <c>make chaos</c>: a throwaway stack, a seeded load and a seeded fault schedule for the run's duration,
/// then quiescence and the invariants. Exits 1 and prints the first violated invariant with its evidence.
/// </summary>
public static class ChaosCommand
{
    /// <summary>Lifecycle:HostMonitor:Shards, left at its default.</summary>
    private const int HostShards = 64;

    public static async Task<int> RunAsync(IReadOnlyList<string> args)
    {
        var settings = ChaosSettings.Parse(args);
        var dir = Path.Combine(LocalServers.RepositoryRoot(), ".run", "chaos",
            string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-seed{settings.Seed}"));
        Directory.CreateDirectory(dir);
        Console.WriteLine($"chaos: {settings.Describe()}; output in {dir}");

        await using IChaosStack stack = settings.Topology == ChaosTopology.Cluster
            ? await ChaosClusterStack.StartAsync(dir, settings.Hosts)
            : await ChaosStack.StartAsync(dir, settings.Hosts);
        using var adminHttp = new HttpClient { BaseAddress = stack.AdminApi, Timeout = TimeSpan.FromSeconds(10) };
        adminHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ChaosStack.AdminKey);
        await WaitHostsOnlineAsync(adminHttp, stack.Hosts);

        using var admin = SimulatorAdmin.For(stack.SimulatorAdminPort);
        if (await WaitAdminAsync(admin) is null)
        {
            throw new InvalidOperationException("the simulator's admin endpoint (/admin/hosts) does not answer; see processes.log");
        }
        await using var probe = await StreamProbe.ConnectAsync(stack.Redis, stack.Partitions, countUndelivered: settings.Topology == ChaosTopology.Cluster);
        using var log = new RunLog(dir);
        var clock = Stopwatch.StartNew();
        var plan = FaultSchedule.Plan(settings.Seed, settings.Duration, settings.FaultSpacing, settings.Topology.FaultKinds());
        Console.WriteLine($"chaos: {plan.Count} faults planned");

        using var stop = new CancellationTokenSource();
        // On a cluster, every entry seen on the streams, to tell the entries a failover lost from any other loss.
        var recorder = settings.Topology == ChaosTopology.Cluster ? new StreamRecorder(probe) : null;
        using var stopRecording = new CancellationTokenSource();
        var recording = recorder?.RunAsync(stopRecording.Token) ?? Task.CompletedTask;
        var teamId = await QuotaTheTeamAsync(stack, adminHttp);
        var sampler = new LimitSampler(stack.PostgresUnpooled, clock, teamId, admin);
        using var stopSampling = new CancellationTokenSource();
        var sampling = sampler.RunAsync(stopSampling.Token);
        var load = new ChaosLoad(stack, log, clock, new Random(settings.Seed), admin);
        var loadStart = clock.Elapsed;
        var loading = load.RunAsync(settings.Duration, settings.Rate, stop.Token);
        var injector = new FaultInjector(stack, log, clock, admin, probe);
        var faults = injector.RunAsync(plan, loadStart, settings.Duration, stop.Token);
        await Task.WhenAll(loading, faults);
        Console.WriteLine($"chaos: load and faults stopped at {clock.Elapsed.TotalSeconds:F0}s ({log.Requests.Count} requests); settling");

        await RestoreAsync(stack, admin);
        var settleStart = clock.Elapsed;
        await stopRecording.CancelAsync();
        await recording;
        var cluster = recorder is null ? null
            : new ClusterFacts(recorder.Seen, injector.FailedOverPartitions, stack.Partitions, HostShards);
        var limits = new LimitFacts(sampler, ChaosLoad.ActiveQuota);
        var (invariants, events, facts) = await SettleAndCheckAsync(stack, adminHttp, probe, log, settings.SettleDeadline, cluster, limits);
        await stopSampling.CancelAsync();
        await sampling;
        var settleSeconds = (clock.Elapsed - settleStart).TotalSeconds;

        var section = Summarise(settings, dir, log, invariants, events, facts, settleSeconds);
        var versions = new Dictionary<string, string> { ["postgres"] = await PostgresVersionAsync(stack.PostgresUnpooled) };
        var file = ResultsFile.Write(settings.Part, Machine.Current(), versions, section);
        Console.WriteLine($"results: {file}");
        foreach (var i in invariants)
        {
            Console.WriteLine($"  {(i.Holds ? "ok  " : "FAIL")} {i.Number}. {i.Name}: {i.Checked:N0} checked, {i.Violations.Count} violations");
        }
        Console.WriteLine(section.Verdict());
        if (invariants.FirstOrDefault(i => !i.Holds) is { } first)
        {
            Console.WriteLine($"first violation of invariant {first.Number}:\n  {first.Violations[0]}");
            return 1;
        }
        return 0;
    }

    /// <summary>Gives the soak team its active quota (so the load meets it); returns the team's id.</summary>
    private static async Task<Guid> QuotaTheTeamAsync(IChaosStack stack, HttpClient adminHttp)
    {
        using var team = ChaosLoad.Client(stack.Targets[0].Api);
        var teamId = (await team.GetQuotaAsync()).TeamId;
        using var body = new StringContent($$"""{"max_active_sandboxes": {{ChaosLoad.ActiveQuota}}}""", System.Text.Encoding.UTF8, "application/json");
        using var set = await adminHttp.PutAsync(new Uri($"/v1/teams/{teamId}/quotas", UriKind.Relative), body);
        set.EnsureSuccessStatusCode();
        return teamId;
    }

    /// <summary>Every component up, hosts thawed, fault knobs cleared.</summary>
    private static async Task RestoreAsync(IChaosStack stack, SimulatorAdmin admin)
    {
        await stack.RestoreAsync();
        if (!stack.SimulatorAlive)
        {
            throw new InvalidOperationException("the simulator process exited during the run; see processes.log");
        }
        foreach (var host in await admin.HostsAsync() ?? [])
        {
            await admin.ThawAsync(host.Name);
            await admin.FaultsAsync(host.Name, 10, 0);
        }
    }

    /// <summary>
    /// Asks for HostMonitor passes and reads everything again until the invariants that converge (nothing
    /// pending, nothing in limbo, no orphans, requests settled) hold, or the deadline passes.
    /// </summary>
    private static async Task<(IReadOnlyList<InvariantResult>, EventCounts, ChaosFacts)> SettleAndCheckAsync(
        IChaosStack stack, HttpClient adminHttp, StreamProbe probe, RunLog log, TimeSpan within, ClusterFacts? cluster, LimitFacts limits)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var _ = await adminHttp.PostAsync(new Uri("/v1/reconcile", UriKind.Relative), null);
            }
            catch (HttpRequestException)
            {
            }
            ChaosFacts facts;
            try
            {
                facts = await ChaosFacts.ReadAsync(stack.PostgresUnpooled, probe);
            }
            catch (Exception e) when (e is NpgsqlException or StackExchange.Redis.RedisException or InvalidOperationException && watch.Elapsed < within)
            {
                Console.WriteLine($"chaos: reading the state failed ({e.Message}); again");
                await Task.Delay(1000);
                continue;
            }
            var invariants = InvariantChecker.Check(facts, log.Requests, out var events, cluster, limits with { Faults = log.Faults });
            var converging = invariants.Where(i => i.Number is 2 or 3 or 4 or 5 or 7);
            if (converging.All(i => i.Holds) || watch.Elapsed > within)
            {
                return (invariants, events, facts);
            }
            await Task.Delay(1000);
        }
    }

    private static ChaosSection Summarise(ChaosSettings settings, string dir, RunLog log, IReadOnlyList<InvariantResult> invariants,
        EventCounts events, ChaosFacts facts, double settleSeconds)
    {
        var requests = log.Requests.ToList();
        var faults = log.Faults;
        for (var i = 0; i < faults.Count; i++)
        {
            var fault = faults[i];
            if (fault.Detail.StartsWith("skipped", StringComparison.Ordinal))
            {
                continue;
            }
            // A fault's window runs until the next one begins, so each failure is charged to one fault.
            var windowEnd = i + 1 < faults.Count ? faults[i + 1].StartedMs : double.MaxValue;
            var inWindow = requests.Where(r => r.Op != "crash" && r.SentMs >= fault.StartedMs && r.SentMs < windowEnd).ToList();
            fault.SlowestAnswerMs = inWindow.Where(r => r.Code is not null && r.Op != "wait").Select(r => r.AnsweredMs - r.SentMs).DefaultIfEmpty(0).Max();
            // On a cluster, a request that failed only once the next fault had begun (a replica killed under it) is that fault's.
            var failed = inWindow.Where(r => (r.Code is null || r.Code >= 500) && (settings.Topology == ChaosTopology.Single || r.AnsweredMs < windowEnd))
                .Select(r => r.SentMs).DefaultIfEmpty(double.NaN).Max();
            var accepted = double.IsNaN(failed) ? double.NaN
                : inWindow.Where(r => r.Accepted && r.SentMs > failed).Select(r => r.AnsweredMs).DefaultIfEmpty(double.NaN).Min();
            fault.RecoveredAfterMs = double.IsNaN(failed) ? 0 : double.IsNaN(accepted) ? null : accepted - fault.StartedMs;
        }
        var byAnswer = requests
            .GroupBy(r => r.Code is { } code ? code.ToString(CultureInfo.InvariantCulture) + (code == 503 && r.RetryAfter is not null ? " (Retry-After)" : "")
                : r.UpAtSend && r.UpAtAnswer ? $"no answer: {r.Error}" : $"no answer while the control plane was down: {r.Error}")
            .ToDictionary(g => g.Key, g => g.Count());
        var acceptedByOp = requests.Where(r => r.Accepted).GroupBy(r => r.Op).ToDictionary(g => g.Key, g => g.Count());
        var acceptedSandboxes = requests.Where(r => r.Accepted && r.SandboxId is not null).Select(r => r.SandboxId!.Value).ToHashSet();
        var settled = acceptedSandboxes.Count(id => facts.Sandboxes.TryGetValue(id, out var row) && row.Status is "running" or "paused" or "stopped" or "error");
        // Who acted on each expiry: its host (a report), the evictor (its request), or the HostMonitor (a correction).
        var expiriesBy = facts.History.Where(h => h.Reason is Reasons.Timeout or Reasons.MaxLifetime && h.Type is not (EventTypes.PauseSucceeded or EventTypes.DestroySucceeded))
            .GroupBy(h => h.Actor.StartsWith("host:", StringComparison.Ordinal) ? "their host" : h.Actor == Actors.Evictor ? "the evictor" : h.Actor == Actors.HostMonitor ? "the HostMonitor" : h.Actor)
            .ToDictionary(g => g.Key, g => g.Count());
        return new ChaosSection(settings, dir, faults, byAnswer, acceptedByOp, acceptedSandboxes.Count, settled, events, invariants, settleSeconds, expiriesBy);
    }

    private static async Task WaitHostsOnlineAsync(HttpClient adminHttp, int hosts)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(60))
        {
            try
            {
                var text = await adminHttp.GetStringAsync(new Uri("/v1/hosts", UriKind.Relative));
                using var json = JsonDocument.Parse(text);
                var list = json.RootElement.ValueKind == JsonValueKind.Array ? json.RootElement : json.RootElement.GetProperty("hosts");
                if (list.EnumerateArray().Count(h => h.GetProperty("status").GetString() == "online") >= hosts)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(200);
        }
        throw new TimeoutException($"{hosts} simulated hosts did not come online within 60 s; see processes.log");
    }

    private static async Task<IReadOnlyList<SimulatorAdmin.AdminHost>?> WaitAdminAsync(SimulatorAdmin admin)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(5))
        {
            if (await admin.HostsAsync() is { } hosts)
            {
                return hosts;
            }
            await Task.Delay(200);
        }
        return null;
    }

    private static async Task<string> PostgresVersionAsync(string postgres)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        return (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync())!;
    }
}
