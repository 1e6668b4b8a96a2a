using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Trust;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Lifecycle.Bench;

/// <summary>
/// One HostMonitor pass over a large fleet: 500 simulated hosts (one process, real gRPC, no added
/// latency) with 200 sandboxes each, of which a share needs settling. No consumer runs, so every
/// pass finds the same work and proposes the same changes.
/// </summary>
public sealed class ReconcileBench(LocalServers servers, NpgsqlDataSource dataSource, int hosts, int perHost, int repeats)
{
    private const double StartingShare = 0.10;
    private const double MissingShare = 0.05;
    private const double PausedShare = 0.05;

    public async Task<Section> RunAsync()
    {
        Console.WriteLine($"reconcile: {hosts} simulated hosts x {perHost} sandboxes");
        // No control plane to register with: the run's CA issues the hosts their certificates, as registration would.
        await using var fleet = await SimulatedFleet.StartAsync(new SimulatorOptions { HostCount = hosts, LatencyMs = 0, ExpirySweepMs = 3_600_000 },
            loggerFactory: null, TestTrust.Issuer, CancellationToken.None);
        var expected = await SeedAsync(fleet);
        await using var services = Services();
        var pass = services.GetRequiredService<ReconcilePass>();
        var counters = services.GetRequiredService<ReconcileCounters>();

        var durations = new List<double>();
        var rates = new List<double>();
        for (var run = 0; run <= repeats; run++)
        {
            var before = counters.ChangesTotal;
            var watch = Stopwatch.StartNew();
            await pass.RunAsync(PassScope.AllHosts(DateTimeOffset.MinValue), _ => true, CancellationToken.None);
            var elapsed = watch.Elapsed.TotalSeconds;
            var changes = counters.ChangesTotal - before;
            if (changes != expected)
            {
                throw new InvalidOperationException($"a pass proposed {changes} changes; {expected} were seeded");
            }
            Console.WriteLine($"reconcile: pass {run}{(run == 0 ? " (warm-up)" : "")}: {elapsed:F2} s, {changes:N0} changes");
            if (run > 0)
            {
                durations.Add(elapsed);
                rates.Add(changes / elapsed);
            }
        }
        var slicePasses = await SlicePassesAsync(pass, counters, expected);
        var section = new Section(hosts, perHost, expected, repeats, Stats.Of(durations), Stats.Of(rates), Stats.Of(slicePasses));
        Console.WriteLine(section.Verdict());
        return section;
    }

    /// <summary>
    /// The same work in scheduled passes of one slice each (<see cref="HostMonitorOptions.Slices"/> by
    /// default): what one such pass costs, against the whole pass above. Every rotation must settle
    /// exactly what a whole pass does.
    /// </summary>
    private async Task<List<double>> SlicePassesAsync(ReconcilePass pass, ReconcileCounters counters, long expected)
    {
        var slices = new HostMonitorOptions().Slices;
        var durations = new List<double>();
        for (var run = 0; run < repeats; run++)
        {
            var before = counters.ChangesTotal;
            for (var slice = 0; slice < slices; slice++)
            {
                var watch = Stopwatch.StartNew();
                await pass.RunAsync(new PassScope(null, slice, slices, DateTimeOffset.MinValue), _ => true, CancellationToken.None);
                durations.Add(watch.Elapsed.TotalSeconds);
            }
            if (counters.ChangesTotal - before != expected)
            {
                throw new InvalidOperationException($"{slices} slice passes proposed {counters.ChangesTotal - before} changes; {expected} were seeded");
            }
        }
        Console.WriteLine($"reconcile: one pass over 1/{slices} of the hosts: {Stats.Of(durations).Median:F2} s (median of {durations.Count})");
        return durations;
    }

    public sealed record Section(int Hosts, int PerHost, long ChangesPerPass, int Repeats, Stats PassSeconds, Stats SettledPerSecond, Stats SlicePassSeconds) : IResultSection
    {
        public const double TargetSeconds = 3;

        public string Title => "HostMonitor pass";

        public string Settings =>
            $"{Hosts} simulated hosts x {PerHost} sandboxes ({Hosts * PerHost:N0}), {ChangesPerPass:N0} needing a change per pass " +
            $"({StartingShare:P0} starting but running on the host, {MissingShare:P0} missing but alive), {PausedShare:P0} paused; " +
            $"hosts in one process on real gRPC ports, no added latency; {Repeats} passes after one warm-up pass; Redis, Postgres and hosts on the same machine";

        public string Reproduce => "make bench-reconcile";

        public void WriteBody(StringBuilder md)
        {
            md.AppendLine("| measure | median | min | max |");
            md.AppendLine("|---|---:|---:|---:|");
            ResultsFile.Row(md, "one pass over every host (s)", PassSeconds, "F2");
            ResultsFile.Row(md, "changes published per second of pass", SettledPerSecond);
            ResultsFile.Row(md, $"one scheduled pass over a slice, 1/{new HostMonitorOptions().Slices} of the hosts (s)", SlicePassSeconds, "F2");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"A pass reads each host's rows, calls `ListSandboxes`, plans and publishes; {Hosts * PerHost / PassSeconds.Median:N0} sandboxes compared per second.");
        }

        public string Verdict() =>
            $"reconcile: one pass over {Hosts} hosts x {PerHost} sandboxes in {PassSeconds.Median:F2} s (median); target under {TargetSeconds} s: " +
            (PassSeconds.Median < TargetSeconds ? "met" : "NOT met");
    }

    /// <summary>Rows in Postgres and VMs on the hosts; returns how many need a change. (Also seeds the scale part's split pass.)</summary>
    internal async Task<long> SeedAsync(SimulatedFleet fleet)
    {
        var teamId = Guid.CreateVersion7();
        // The ids the hosts' certificates name: the HostMonitor's TLS handshake checks them.
        var hostIds = fleet.Hosts.Select(h => h.HostId!.Value).ToArray();
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("INSERT INTO teams (id, name) VALUES (@teamId, 'bench')", new { teamId });
        await conn.ExecuteAsync("""
            INSERT INTO hosts (id, name, grpc_address, token_hash, status, last_heartbeat_at)
            SELECT id, name, address, hash, 'online', now() FROM unnest(@Ids, @Names, @Addresses, @Hashes) AS h(id, name, address, hash)
            """, new
        {
            Ids = hostIds,
            Names = fleet.Hosts.Select(h => h.Name).ToArray(),
            Addresses = fleet.Hosts.Select(h => h.Address).ToArray(),
            Hashes = fleet.Hosts.Select(h => SecretHash.Of(h.Name)).ToArray(),
        });

        var ids = new List<Guid>();
        var owners = new List<Guid>();
        var statuses = new List<string>();
        var onHost = new List<(SimulatedHost Host, string Id, bool Paused)>();
        for (var h = 0; h < fleet.Hosts.Count; h++)
        {
            for (var i = 0; i < perHost; i++)
            {
                var id = Guid.CreateVersion7();
                var share = (double)i / perHost;
                var status = share < StartingShare ? "starting" : share < StartingShare + MissingShare ? "missing" : share < StartingShare + MissingShare + PausedShare ? "paused" : "running";
                ids.Add(id);
                owners.Add(hostIds[h]);
                statuses.Add(status);
                onHost.Add((fleet.Hosts[h], id.ToString(), status == "paused"));
            }
        }
        await conn.ExecuteAsync("""
            INSERT INTO sandboxes (id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec, operation_deadline, updated_at)
            SELECT id, @TeamId, host_id, status, 3, 'base', 1, 512, 3600, now() - interval '1 hour', now() - interval '1 hour'
              FROM unnest(@Ids, @Owners, @Statuses) AS s(id, host_id, status)
            """, new { TeamId = teamId, Ids = ids.ToArray(), Owners = owners.ToArray(), Statuses = statuses.ToArray() });
        await conn.ExecuteAsync("VACUUM ANALYZE sandboxes");

        using var clients = new HostAgentClients(TestTrust.Trust);
        await Parallel.ForEachAsync(onHost, new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (vm, ct) =>
        {
            var client = clients.For(vm.Host.HostId!.Value, vm.Host.Address);
            await client.CreateSandboxAsync(new CreateSandboxRequest { SandboxId = vm.Id, Template = "base", Vcpus = 1, MemoryMb = 512, TimeoutSec = 3600 }, cancellationToken: ct);
            if (vm.Paused)
            {
                await client.PauseSandboxAsync(new SandboxRef { SandboxId = vm.Id }, cancellationToken: ct);
            }
        });
        return statuses.Count(s => s is "starting" or "missing");
    }

    /// <summary>One replica's HostMonitor services, without its hosted loop: each call is a replica of its own (pools, pass state).</summary>
    internal ServiceProvider Services()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = dataSource.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = servers.Redis,
            ["Lifecycle:Streams:KeyPrefix"] = "bench:",
            ["Lifecycle:HostMonitor:Enabled"] = "false",
            ["Lifecycle:HostMonitor:HeartbeatTimeout"] = "01:00:00",
            ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:01",
            ["Lifecycle:HostMonitor:HostDeadline"] = "00:00:30",
        }).AddInMemoryCollection(TestCertificateAuthority.Shared.Settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLifecycleInfrastructure(configuration);
        services.AddHostMonitor(configuration);
        return services.BuildServiceProvider();
    }
}
