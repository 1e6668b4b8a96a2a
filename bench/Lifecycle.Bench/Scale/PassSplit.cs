using System.Diagnostics;
using Lifecycle.Contract.Partitioning;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Ownership;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lifecycle.Bench.Scale;

/// <summary>
/// A HostMonitor pass over the whole fleet (ReconcileBench's 500 hosts x 200 sandboxes) by one replica,
/// against the same fleet split across replicas by host shard as <see cref="SlotAssignment"/> divides
/// them: each replica's share run by a HostMonitor of its own (own pools, own pass state) at the same
/// time, in this process, with the simulated hosts. Also each share alone, and one scheduled slice.
/// </summary>
public sealed class PassSplit(LocalServers servers, NpgsqlDataSource dataSource, ScaleSettings settings, CpuMeter cpu)
{
    public sealed record Figure(
        int Hosts, int PerHost, int Replicas, Stats WholeSeconds, Stats WholeCpuSeconds, Stats SlowestShareSeconds, Stats SplitCpuSeconds,
        Stats ShareAloneSeconds, Stats SliceSeconds, int Slices, int[] HostsPerShare);

    public async Task<Figure> RunAsync()
    {
        var hosts = settings.PassHosts;
        Console.WriteLine($"scale: pass: {hosts} simulated hosts x {settings.PassPerHost} sandboxes");
        await using var fleet = await SimulatedFleet.StartAsync(new SimulatorOptions { HostCount = hosts, LatencyMs = 0, ExpirySweepMs = 3_600_000 },
            loggerFactory: null, TestTrust.Issuer, CancellationToken.None);
        var seeding = new ReconcileBench(servers, dataSource, hosts, settings.PassPerHost, settings.Repeats);
        var expected = await seeding.SeedAsync(fleet);

        var replicas = settings.ReplicaCounts.Max();
        var names = Enumerable.Range(1, replicas).Select(i => $"scale-{replicas}-{i}").ToList();
        var shards = new HostMonitorOptions().Shards;
        var shareOf = SlotAssignment.Of(LeaseKind.HostShards, shards, names);
        Func<Guid, bool> Owns(string name) => host => shareOf[StableHash.SlotOf(host, shards)] == name;

        await using var whole = seeding.Services();
        var shareServices = names.Select(_ => seeding.Services()).ToList();
        try
        {
            var hostIds = await HostIdsAsync();
            var hostsPerShare = names.Select(n => hostIds.Count(Owns(n))).ToArray();
            Console.WriteLine($"scale: pass: hosts per replica's shards: {string.Join(", ", hostsPerShare)}");

            var wholeSeconds = new List<double>();
            var wholeCpu = new List<double>();
            var slowest = new List<double>();
            var splitCpu = new List<double>();
            var alone = new List<double>();
            for (var run = 0; run <= settings.Repeats; run++)
            {
                var counted = run > 0;
                // The whole fleet on one replica.
                var start = cpu.Read();
                var (seconds, changes) = await PassAsync(whole, PassScope.AllHosts(DateTimeOffset.MinValue), _ => true);
                var cpuSeconds = Busy(CpuMeter.Between(start, cpu.Read()));
                Check(changes, expected, "the whole pass");
                // The same fleet, each replica's shards at once.
                start = cpu.Read();
                var shares = await Task.WhenAll(names.Select((name, i) => PassAsync(shareServices[i], PassScope.AllHosts(DateTimeOffset.MinValue), Owns(name))));
                var splitCpuSeconds = Busy(CpuMeter.Between(start, cpu.Read()));
                Check(shares.Sum(s => s.Changes), expected, $"{replicas} shares together");
                // Each share with nothing else running: what it would take with cores of its own.
                var aloneSeconds = new List<double>();
                for (var i = 0; i < names.Count; i++)
                {
                    aloneSeconds.Add((await PassAsync(shareServices[i], PassScope.AllHosts(DateTimeOffset.MinValue), Owns(names[i]))).Seconds);
                }
                Console.WriteLine($"scale: pass run {run}{(counted ? "" : " (warm-up)")}: whole {seconds:F2} s ({cpuSeconds:F2} CPU-s); " +
                    $"{replicas} shares at once: {string.Join(" / ", shares.Select(s => s.Seconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s ({splitCpuSeconds:F2} CPU-s); " +
                    $"each alone: {string.Join(" / ", aloneSeconds.Select(s => s.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))} s");
                if (counted)
                {
                    wholeSeconds.Add(seconds);
                    wholeCpu.Add(cpuSeconds);
                    slowest.Add(shares.Max(s => s.Seconds));
                    splitCpu.Add(splitCpuSeconds);
                    alone.AddRange(aloneSeconds);
                }
            }

            var slices = new HostMonitorOptions().Slices;
            var sliceSeconds = new List<double>();
            for (var slice = 0; slice < slices; slice++)
            {
                sliceSeconds.Add((await PassAsync(whole, new PassScope(null, slice, slices, DateTimeOffset.MinValue), _ => true)).Seconds);
            }
            Console.WriteLine($"scale: pass: one slice of {slices}: median {Stats.Of(sliceSeconds).Median:F2} s");
            return new Figure(hosts, settings.PassPerHost, replicas, Stats.Of(wholeSeconds), Stats.Of(wholeCpu), Stats.Of(slowest), Stats.Of(splitCpu),
                Stats.Of(alone), Stats.Of(sliceSeconds), slices, hostsPerShare);
        }
        finally
        {
            foreach (var services in shareServices)
            {
                await services.DisposeAsync();
            }
        }
    }

    /// <summary>CPU of this process (passes and simulated hosts), Postgres and Redis: the work a pass causes.</summary>
    private static double Busy(CpuMeter.Window window) => window.Groups.Where(g => g.Key != "replicas").Sum(g => g.Value);

    private static async Task<(double Seconds, long Changes)> PassAsync(ServiceProvider services, PassScope scope, Func<Guid, bool> ownsHost)
    {
        var counters = services.GetRequiredService<ReconcileCounters>();
        var before = counters.ChangesTotal;
        var watch = Stopwatch.StartNew();
        await services.GetRequiredService<ReconcilePass>().RunAsync(scope, ownsHost, CancellationToken.None);
        return (watch.Elapsed.TotalSeconds, counters.ChangesTotal - before);
    }

    private static void Check(long changes, long expected, string what)
    {
        if (changes != expected)
        {
            throw new InvalidOperationException($"{what} proposed {changes} changes; {expected} were seeded");
        }
    }

    private async Task<List<Guid>> HostIdsAsync()
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return [.. await Dapper.SqlMapper.QueryAsync<Guid>(conn, "SELECT id FROM hosts")];
    }
}
