using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Dapper;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.Bench;

/// <summary>
/// The API as clients meet it: accept throughput and latency of <c>POST /v1/sandboxes</c> at 16 and 64
/// clients, the time from a 202 to the row being <c>running</c> at fixed arrival rates, and the control
/// plane's memory idle and with 100,000 sandboxes under a create storm. The control plane is the Release
/// build in its own process; four simulated hosts answer with no added latency. Baselines (Postgres
/// INSERT, Redis XADD, a bare ASP.NET Core 202) are measured first, on the same servers, with nothing else running.
/// </summary>
public sealed class ApiBench(LocalServers servers, NpgsqlDataSource dataSource, ApiBench.Settings settings)
{
    private const string AdminKey = "bench-admin-key";
    private const string KeyPrefix = "api:";
    private const string PassesMetric = "lifecycle_reconciler_passes_total";
    private static readonly StreamKeys Keys = new(Options.Create(new StreamOptions { KeyPrefix = KeyPrefix }));
    private const string TeamKey = "bench-team-key";
    private const int BenchHostVcpus = 4_096;
    private const int BenchHostMemoryMb = 64 * 1024 * 1024;
    private static readonly object CreateBody = new { template = "base", vcpus = 1, memory_mb = 512, timeout_sec = 86_400 };

    /// <summary>Sizes; the defaults are the ones results are quoted for.</summary>
    public sealed record Settings(int Repeats = 3, int RunSeconds = 10, int Hosts = 4, int MemorySandboxes = 100_000, int StormSeconds = 15);

    public async Task<Section> RunAsync()
    {
        var run = TimeSpan.FromSeconds(settings.RunSeconds);
        Console.WriteLine("api: baselines");
        var insert16 = await RepeatAsync(() => Baselines.PostgresInsertsPerSecondAsync(dataSource, 16, run));
        var insert64 = await RepeatAsync(() => Baselines.PostgresInsertsPerSecondAsync(dataSource, 64, run));
        var xadd16 = await RepeatAsync(() => Baselines.RedisXaddsPerSecondAsync(servers.Redis, 16, run));
        LoadGenerator.ClosedResult[] bare16, bare64;
        await using (var bare = await Baselines.StartBareEndpointAsync())
        {
            bare16 = await RepeatClosedAsync(Baselines.Address(bare), null, 16, run);
            bare64 = await RepeatClosedAsync(Baselines.Address(bare), null, 64, run);
        }

        var deployment = await DeploymentBuilder.On(dataSource.ConnectionString, servers.Redis, KeyPrefix)
            .With("Logging:LogLevel:Default", "Warning")
            .With("Lifecycle:Admin:Key", AdminKey)
            .With("Lifecycle:Dev:ApiKey", TeamKey)
            .With("Lifecycle:RateLimit:PermitsPerSecond", "100000000")
            .With("Lifecycle:RateLimit:Burst", "100000000")
            .Replicas(1, ReplicaKind.Process, _ => "api-bench")
            .Echo((name, line) => Console.Error.WriteLine($"[{name}] {line}"))
            // Capacity checks on, with hosts big enough for every sandbox the bench makes (over 100,000 of 1 vCPU and
            // 512 MiB on 4 hosts): 4,096 vCPUs lent 16 times over and 64 TiB each, so no create is refused for room.
            .With("Lifecycle:Capacity:VcpuOvercommit", "16")
            .Hosts(settings.Hosts, sim => sim with { LatencyMs = 0, HeartbeatIntervalMs = 10_000, HostVcpus = BenchHostVcpus, HostMemoryMb = BenchHostMemoryMb })
            .StartAsync();
        var api = deployment.Replicas[0].Url;
        var controlPlane = ((ProcessReplica)deployment.Replicas[0]).Process;
        try
        {
            await WaitForHealthAsync(api);
            Console.WriteLine("api: idle memory");
            using (var warm = LoadGenerator.Client(api, 4, TeamKey))
            {
                await LoadGenerator.ClosedLoopAsync(warm, 4, TimeSpan.FromSeconds(3), CreateAsync, HttpStatusCode.Accepted);
            }
            await WaitSettledAsync();
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idleRss = controlPlane.Memory().RssMb;

            // Memory before the other parts, so the storm runs at the stated table size, not at what they left.
            Console.WriteLine($"api: memory with {settings.MemorySandboxes:N0} sandboxes and a create storm");
            var (storm, stormRss, passSeconds) = await StormAsync(api, controlPlane);
            var sandboxes = await CountAsync("SELECT count(*) FROM sandboxes");
            var memory = new MemoryFigures(idleRss, sandboxes, Stats.Of(stormRss), stormRss.Max(), controlPlane.Memory().PeakMb, storm.PerSecond, passSeconds);

            var outboxBytesPerRow = await OutboxFootprint.BytesPerRowAsync(dataSource);
            Console.WriteLine($"api: one event waiting in the outbox takes {outboxBytesPerRow:F0} bytes (heap, TOAST and indexes)");

            Console.WriteLine("api: accept");
            var accept16 = await RepeatClosedAsync(api, TeamKey, 16, run);
            var accept64 = await RepeatClosedAsync(api, TeamKey, 64, run);

            Console.WriteLine("api: create→running");
            var latency200 = await RepeatLatencyAsync(api, 200, run);
            var latency1000 = await RepeatLatencyAsync(api, 1000, run);


            var section = new Section(settings, insert16, insert64, xadd16, bare16, bare64, accept16, accept64, latency200, latency1000, memory, outboxBytesPerRow);
            Console.WriteLine(section.Verdict());
            return section;
        }
        finally
        {
            await controlPlane.StopAsync();
            await deployment.DisposeAsync();
        }
    }

    private static Task<HttpResponseMessage> CreateAsync(HttpClient client) => client.PostAsJsonAsync("/v1/sandboxes", CreateBody);

    private async Task<Stats> RepeatAsync(Func<Task<double>> measure)
    {
        var values = new List<double>();
        for (var run = 0; run <= settings.Repeats; run++)
        {
            var value = await measure();
            if (run > 0)
            {
                values.Add(value);
            }
        }
        return Stats.Of(values);
    }

    /// <summary>A warm-up run and <see cref="Settings.Repeats"/> counted ones; the control plane settles between runs.</summary>
    private async Task<LoadGenerator.ClosedResult[]> RepeatClosedAsync(Uri address, string? key, int clients, TimeSpan duration)
    {
        using var client = LoadGenerator.Client(address, clients, key);
        var results = new List<LoadGenerator.ClosedResult>();
        for (var run = 0; run <= settings.Repeats; run++)
        {
            var result = await LoadGenerator.ClosedLoopAsync(client, clients, duration, CreateAsync, HttpStatusCode.Accepted);
            Console.WriteLine($"  {address.Port} {clients} clients: {result.PerSecond:N0}/s p50 {result.P50Ms:F1} ms p99 {result.P99Ms:F1} ms ({result.Failures} failed)");
            if (run > 0)
            {
                results.Add(result);
            }
            if (key is not null)
            {
                await WaitSettledAsync();
            }
        }
        return [.. results];
    }

    /// <summary>An open-loop run: time from accepted to running, and how many creates were accepted, never ran, or were not answered in time.</summary>
    public sealed record LatencyRun(double P50Ms, double P99Ms, double MaxMs, int Accepted, int NeverRunning, int Unanswered);

    private enum CreateAnswer { Accepted, Refused, Unanswered }

    private async Task<LatencyRun[]> RepeatLatencyAsync(Uri api, double perSecond, TimeSpan duration)
    {
        using var client = LoadGenerator.Client(api, 256, TeamKey);
        var runs = new List<LatencyRun>();
        for (var run = 0; run <= settings.Repeats; run++)
        {
            var result = await CreateToRunningAsync(client, perSecond, duration);
            Console.WriteLine($"  {perSecond}/s: p50 {result.P50Ms:F1} ms p99 {result.P99Ms:F1} ms max {result.MaxMs:F1} ms ({result.Accepted} accepted, {result.NeverRunning} never running, {result.Unanswered} unanswered)");
            if (run > 0)
            {
                runs.Add(result);
            }
            await WaitSettledAsync();
        }
        return [.. runs];
    }

    /// <summary>
    /// Creates at a fixed rate; a watcher polls Postgres back to back (one query for every sandbox
    /// still waiting) and notes when each row is first seen <c>running</c>. The time is taken as the
    /// query is sent, so a figure is late by at most one poll (about a millisecond).
    /// </summary>
    private async Task<LatencyRun> CreateToRunningAsync(HttpClient client, double perSecond, TimeSpan duration)
    {
        const string sql = "SELECT id FROM sandboxes WHERE id = ANY(@Ids) AND status = 'running'";
        var waiting = new ConcurrentDictionary<Guid, long>();
        var latencies = new ConcurrentBag<double>();
        using var done = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            var deadline = (DateTime?)null;
            while (true)
            {
                if (done.IsCancellationRequested)
                {
                    deadline ??= DateTime.UtcNow.AddSeconds(30);
                    if (waiting.IsEmpty || DateTime.UtcNow > deadline)
                    {
                        return;
                    }
                }
                var ids = waiting.Keys.ToArray();
                if (ids.Length == 0)
                {
                    await Task.Delay(1);
                    continue;
                }
                var polledAt = Stopwatch.GetTimestamp();
                foreach (var id in await conn.QueryAsync<Guid>(sql, new { Ids = ids }))
                {
                    if (waiting.TryRemove(id, out var acceptedAt))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(acceptedAt, polledAt).TotalMilliseconds);
                    }
                }
            }
        });
        var answers = await LoadGenerator.OpenLoopAsync(perSecond, duration, async () =>
        {
            using var response = await LoadGenerator.SendOrNullAsync(() => CreateAsync(client));
            var acceptedAt = Stopwatch.GetTimestamp();
            if (response?.StatusCode != HttpStatusCode.Accepted)
            {
                return response is null ? CreateAnswer.Unanswered : CreateAnswer.Refused;
            }
            var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            waiting[id] = acceptedAt;
            return CreateAnswer.Accepted;
        });
        await done.CancelAsync();
        await watcher;
        var all = latencies.ToList();
        return new LatencyRun(Stats.Percentile(all, 50), Stats.Percentile(all, 99), all.DefaultIfEmpty(double.NaN).Max(),
            answers.Count(a => a == CreateAnswer.Accepted), waiting.Count, answers.Count(a => a == CreateAnswer.Unanswered));
    }

    /// <summary>
    /// Tops the database up to <see cref="Settings.MemorySandboxes"/> through the API, then storms for a
    /// while sampling RSS. A third of the way in it asks for a HostMonitor pass, and sampling goes on
    /// until that pass has ended: the pass reads every host's sandboxes, so the peak must include it.
    /// </summary>
    private async Task<(LoadGenerator.ClosedResult Storm, List<double> RssMb, double PassSeconds)> StormAsync(Uri api, ControlPlaneProcess controlPlane)
    {
        using var client = LoadGenerator.Client(api, 64, TeamKey);
        while (await CountAsync("SELECT count(*) FROM sandboxes") < settings.MemorySandboxes)
        {
            await LoadGenerator.ClosedLoopAsync(client, 64, TimeSpan.FromSeconds(5), CreateAsync, HttpStatusCode.Accepted);
        }
        var samples = new List<double>();
        using var stop = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                samples.Add(controlPlane.Memory().RssMb);
                await Task.Delay(250);
            }
        });
        var passesBefore = await HostMonitorPassesAsync(api);
        var storming = LoadGenerator.ClosedLoopAsync(client, 64, TimeSpan.FromSeconds(settings.StormSeconds), CreateAsync, HttpStatusCode.Accepted);
        await Task.Delay(TimeSpan.FromSeconds(settings.StormSeconds / 3.0));
        var watch = Stopwatch.StartNew();
        await using (var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(servers.Redis))
        {
            if (await new ReconcileRequests(redis, Keys).RequestAsync(null) == 0)
            {
                throw new InvalidOperationException("no control plane heard the request for a HostMonitor pass");
            }
        }
        var storm = await storming;
        while (await HostMonitorPassesAsync(api) == passesBefore)
        {
            if (watch.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException("the requested HostMonitor pass did not end within 2 minutes");
            }
            await Task.Delay(100);
        }
        var passSeconds = watch.Elapsed.TotalSeconds;
        await stop.CancelAsync();
        await sampler;
        await WaitSettledAsync();
        return (storm, samples, passSeconds);
    }

    /// <summary>Passes this control plane has run, as its <c>/metrics</c> counts them.</summary>
    private static async Task<double> HostMonitorPassesAsync(Uri api)
    {
        using var client = new HttpClient { BaseAddress = api };
        var body = await client.GetStringAsync("/metrics");
        return body.Split('\n')
            .Where(line => line.StartsWith(PassesMetric, StringComparison.Ordinal))
            .Sum(line => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    private async Task WaitSettledAsync()
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (await CountAsync("SELECT count(*) FROM sandboxes WHERE status = 'starting'") > 0)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("sandboxes still starting after 3 minutes");
            }
            await Task.Delay(200);
        }
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(sql);
    }

    private static async Task WaitForHealthAsync(Uri api)
    {
        using var client = new HttpClient { BaseAddress = api };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await client.GetAsync("/readyz")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        throw new TimeoutException("the control plane did not become ready");
    }

    public sealed record MemoryFigures(double IdleRssMb, long Sandboxes, Stats StormRssMb, double StormMaxRssMb, double PeakRssMb, double StormPerSecond, double PassSeconds);

    public sealed record Section(
        Settings Sizes, Stats PostgresInserts16, Stats PostgresInserts64, Stats RedisXadds16,
        LoadGenerator.ClosedResult[] Bare16, LoadGenerator.ClosedResult[] Bare64,
        LoadGenerator.ClosedResult[] Accept16, LoadGenerator.ClosedResult[] Accept64,
        LatencyRun[] Latency200, LatencyRun[] Latency1000, MemoryFigures Memory, double OutboxBytesPerRow) : IResultSection
    {
        public const double AcceptTarget = 0.60;
        public const double P50TargetMs = 10;
        public const double P99TargetMs = 50;
        public const double RssTargetMb = 250;

        public string Title => "API: accept, create→running, memory";

        string IResultSection.Settings =>
            $"{Sizes.Repeats} runs of {Sizes.RunSeconds} s per figure after one warm-up run; HTTP/1.1 keep-alive, one connection per client; " +
            $"control plane (Release, own process) with {Sizes.Hosts} simulated hosts at zero RPC latency, each reporting {BenchHostVcpus:N0} vCPUs (lent 16 times over) " +
            $"and {BenchHostMemoryMb / 1024 / 1024} TiB, so every create and resume is counted against its host's capacity under the host's lock and none is refused; " +
            "Redis (AOF, fsync every second) and " +
            "Postgres (fsync and synchronous_commit on) on the same machine; the load generator and the hosts share the harness process";

        public string Reproduce => "make bench-api";

        public double AcceptRatio => Median(Accept16, r => r.PerSecond) / PostgresInserts16.Median;

        public void WriteBody(StringBuilder md)
        {
            md.AppendLine("| measure | median | min | max |");
            md.AppendLine("|---|---:|---:|---:|");
            ResultsFile.Row(md, "baseline: Postgres INSERT transactions/s, 16 clients", PostgresInserts16);
            ResultsFile.Row(md, "baseline: Postgres INSERT transactions/s, 64 clients", PostgresInserts64);
            ResultsFile.Row(md, "baseline: Redis XADD/s, 16 clients", RedisXadds16);
            Closed(md, "baseline: bare ASP.NET Core 202, 16 clients", Bare16);
            Closed(md, "baseline: bare ASP.NET Core 202, 64 clients", Bare64);
            Closed(md, "accept: POST /v1/sandboxes, 16 clients", Accept16);
            Closed(md, "accept: POST /v1/sandboxes, 64 clients", Accept64);
            Latency(md, "create→running at 200/s", Latency200);
            Latency(md, "create→running at 1,000/s", Latency1000);
            md.AppendLine(CultureInfo.InvariantCulture, $"| control-plane RSS idle (MB) | {Memory.IdleRssMb:F0} | | |");
            ResultsFile.Row(md, $"control-plane RSS during a 64-client create storm with {Memory.Sandboxes:N0} sandboxes (MB)", Memory.StormRssMb);
            md.AppendLine(CultureInfo.InvariantCulture, $"| control-plane RSS, highest sample in the storm / peak since start (VmHWM) (MB) | {Memory.StormMaxRssMb:F0} / {Memory.PeakRssMb:F0} | | |");
            md.AppendLine();
            var peak = Stats.Of([.. Accept64.Concat(Accept16).Select(r => r.PerSecond)]).Max;
            var hourRows = peak * 2 * 3600;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Every create is accepted through the outbox (its request event recorded by the statement that creates the row; its outcome recorded as the host answers). " +
                $"One event waiting in the outbox takes **{OutboxBytesPerRow:F0} bytes** of Postgres (heap, TOAST and indexes). An hour of Redis outage at this run's peak accept rate " +
                $"({peak:N0} creates/s, two events each) would leave {hourRows / 1e6:F1} million rows, **{hourRows * OutboxBytesPerRow / 1e9:F1} GB**, sent within seconds of Redis returning.");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"The storm's RSS includes one HostMonitor pass over every host, requested a third of the way in; it ended {Memory.PassSeconds:F1} s after the request, and sampling went on until it had.");
            md.AppendLine();
            md.AppendLine("Ratios of medians, measured in the same run:");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- accept at 16 clients / Postgres INSERT at 16 clients: **{AcceptRatio:P0}** (target ≥ {AcceptTarget:P0})");
            md.AppendLine(CultureInfo.InvariantCulture, $"- accept at 64 clients / Postgres INSERT at 64 clients: {Median(Accept64, r => r.PerSecond) / PostgresInserts64.Median:P0}");
            md.AppendLine(CultureInfo.InvariantCulture, $"- accept at 16 clients / bare ASP.NET Core 202 at 16 clients: {Median(Accept16, r => r.PerSecond) / Median(Bare16, r => r.PerSecond):P0}");
            md.AppendLine();
            foreach (var line in Targets())
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"- {line}");
            }
        }

        private IEnumerable<string> Targets()
        {
            var p50 = Median(Latency200, r => r.P50Ms);
            var p99 = Median(Latency200, r => r.P99Ms);
            yield return Target("accept at 16 clients ≥ 60 % of Postgres INSERT", AcceptRatio >= AcceptTarget, $"{AcceptRatio:P0}", $"short by {(AcceptTarget - AcceptRatio) * PostgresInserts16.Median:N0}/s");
            yield return Target("create→running p50 ≤ 10 ms at 200/s", p50 <= P50TargetMs, $"{p50:F1} ms", $"over by {p50 - P50TargetMs:F1} ms");
            yield return Target("create→running p99 ≤ 50 ms at 200/s", p99 <= P99TargetMs, $"{p99:F1} ms", $"over by {p99 - P99TargetMs:F1} ms");
            yield return Target($"RSS ≤ 250 MB with {Memory.Sandboxes:N0} sandboxes, a create storm and a HostMonitor pass", Memory.StormMaxRssMb <= RssTargetMb, $"{Memory.StormMaxRssMb:F0} MB at most", $"over by {Memory.StormMaxRssMb - RssTargetMb:F0} MB");
        }

        private static string Target(string name, bool met, string value, string shortBy) =>
            met ? $"target met: {name} ({value})" : $"target NOT met: {name} ({value}; {shortBy})";

        public string Verdict() => "api: " + string.Join("; ", Targets());

        private static double Median<T>(IReadOnlyCollection<T> runs, Func<T, double> value) => Stats.Of([.. runs.Select(value)]).Median;

        private static void Closed(StringBuilder md, string name, LoadGenerator.ClosedResult[] runs)
        {
            var rate = Stats.Of([.. runs.Select(r => r.PerSecond)]);
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {name} (req/s; p50 / p99 ms) | {rate.Median:N0} ({Median(runs, r => r.P50Ms):F1} / {Median(runs, r => r.P99Ms):F1}) | {rate.Min:N0} | {rate.Max:N0} |");
        }

        /// <summary>Creates the runs sent that were not answered within the client's timeout, when any were.</summary>
        private static string Unanswered(LatencyRun[] runs) =>
            runs.Sum(r => r.Unanswered) is > 0 and var unanswered ? $" ({unanswered:N0} creates unanswered in 30 s)" : "";

        private static void Latency(StringBuilder md, string name, LatencyRun[] runs) =>
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {name}{Unanswered(runs)}: p50 / p99 / max (ms) | {Median(runs, r => r.P50Ms):F1} / {Median(runs, r => r.P99Ms):F1} / {Median(runs, r => r.MaxMs):F1} | " +
                $"{runs.Min(r => r.P50Ms):F1} / {runs.Min(r => r.P99Ms):F1} / {runs.Min(r => r.MaxMs):F1} | {runs.Max(r => r.P50Ms):F1} / {runs.Max(r => r.P99Ms):F1} / {runs.Max(r => r.MaxMs):F1} |");
    }
}
