using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Npgsql;

namespace Lifecycle.Bench.Scale;

/// <summary>
/// The accept rate of 1, 2 and 3 replicas: a closed loop of clients sending each request to the next
/// replica in turn (as a round-robin balancer would), creates alone and creates mixed with pauses of
/// sandboxes created earlier. Each replica set starts on empty tables with its own simulated hosts.
/// </summary>
public sealed class AcceptScale(LocalServers servers, NpgsqlDataSource dataSource, ScaleSettings settings, CpuMeter cpu)
{
    private const string Prefix = "scale-api:";
    private const string AdminKey = "scale-admin-key";
    private const string TeamKey = "scale-team-key";
    private static readonly object CreateBody = new { template = "base", vcpus = 1, memory_mb = 512, timeout_sec = 86_400 };

    public sealed record Run(double PerSecond, double P50Ms, double P99Ms, long Failures, IReadOnlyDictionary<string, double> CoresUsed);

    public sealed record Figure(int Replicas, Run[] Creates, Run[] CreatesAndPauses);

    public async Task<List<Figure>> RunAsync()
    {
        var figures = new List<Figure>();
        foreach (var replicas in settings.ReplicaCounts)
        {
            await ScaleDatabase.EmptyAsync(dataSource);
            await using var set = await ReplicaSet.StartAsync(servers, dataSource, Prefix, replicas, settings.Partitions,
                $"Lifecycle:Admin:Key={AdminKey}", "Lifecycle:Dev:Enabled=true", $"Lifecycle:Dev:ApiKey={TeamKey}",
                "Lifecycle:RateLimit:PermitsPerSecond=100000000", "Lifecycle:RateLimit:Burst=100000000");
            cpu.Add("replicas", () => set.Pids);
            // Registered through the first replica; stopped with the set.
            await set.StartFleetAsync(settings.AcceptHosts, sim => sim with { LatencyMs = 0, HeartbeatIntervalMs = 10_000 });
            await Eventually.TrueAsync(async () => await CountAsync("SELECT count(*) FROM hosts WHERE status = 'online'") == settings.AcceptHosts,
                TimeSpan.FromMinutes(1), "simulated hosts are online", TimeSpan.FromMilliseconds(200));

            var clients = set.Urls.Select(url => LoadGenerator.Client(url, settings.AcceptClients, TeamKey)).ToArray();
            try
            {
                var creates = await RepeatAsync(replicas, "creates", clients, CreateOnlyAsync(clients));
                var mixed = await RepeatAsync(replicas, "creates+pauses", clients, CreateOrPauseAsync(clients));
                figures.Add(new Figure(replicas, creates, mixed));
            }
            finally
            {
                foreach (var client in clients)
                {
                    client.Dispose();
                }
            }
        }
        return figures;
    }

    private async Task<Run[]> RepeatAsync(int replicas, string what, HttpClient[] clients, Func<HttpClient, Task<HttpResponseMessage>> send)
    {
        var runs = new List<Run>();
        for (var run = 0; run <= settings.Repeats; run++)
        {
            var start = cpu.Read();
            var result = await LoadGenerator.ClosedLoopAsync(clients[0], settings.AcceptClients, TimeSpan.FromSeconds(settings.AcceptSeconds), send, HttpStatusCode.Accepted);
            var window = CpuMeter.Between(start, cpu.Read());
            var seconds = window.Total / Environment.ProcessorCount;
            var cores = window.Groups.ToDictionary(g => g.Key, g => g.Value / seconds);
            cores["machine busy"] = window.Busy / seconds;
            cores["machine steal"] = window.Steal / seconds;
            Console.WriteLine($"scale: accept {what}, {replicas} replica(s), run {run}{(run == 0 ? " (warm-up)" : "")}: {result.PerSecond:N0}/s " +
                $"p50 {result.P50Ms:F1} ms p99 {result.P99Ms:F1} ms ({result.Failures} not 202); cores: {string.Join(", ", cores.Select(c => $"{c.Key} {c.Value:F2}"))}");
            if (run > 0)
            {
                runs.Add(new Run(result.PerSecond, result.P50Ms, result.P99Ms, result.Failures, cores));
            }
            await WaitSettledAsync();
        }
        return [.. runs];
    }

    /// <summary>Each request to the next replica in turn; the client the loop passes is ignored.</summary>
    private static Func<HttpClient, Task<HttpResponseMessage>> CreateOnlyAsync(HttpClient[] clients)
    {
        var next = -1;
        return _ => clients[(int)((uint)Interlocked.Increment(ref next) % clients.Length)].PostAsJsonAsync("/v1/sandboxes", CreateBody);
    }

    /// <summary>
    /// Every other request pauses a sandbox this loop created at least half a second earlier (running by
    /// then: create→running is milliseconds); the rest create. Each to the next replica in turn.
    /// </summary>
    private static Func<HttpClient, Task<HttpResponseMessage>> CreateOrPauseAsync(HttpClient[] clients)
    {
        var next = -1;
        var created = new ConcurrentQueue<(Guid Id, long At)>();
        return async _ =>
        {
            var n = (uint)Interlocked.Increment(ref next);
            var client = clients[(int)(n % clients.Length)];
            if (n % 2 == 1 && created.TryPeek(out var oldest) && Stopwatch.GetElapsedTime(oldest.At) > TimeSpan.FromMilliseconds(500)
                && created.TryDequeue(out var victim))
            {
                return await client.PostAsync($"/v1/sandboxes/{victim.Id}/pause", null);
            }
            var response = await client.PostAsJsonAsync("/v1/sandboxes", CreateBody);
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                await response.Content.LoadIntoBufferAsync();
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                created.Enqueue((id, Stopwatch.GetTimestamp()));
            }
            return response;
        };
    }

    private async Task WaitSettledAsync() =>
        await Eventually.TrueAsync(async () => await CountAsync("SELECT count(*) FROM sandboxes WHERE status IN ('starting', 'pausing')") == 0,
            TimeSpan.FromMinutes(3), "sandboxes settled after a run", TimeSpan.FromMilliseconds(200));

    private async Task<long> CountAsync(string sql)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(sql);
    }
}
