using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>The HostMonitor across real control-plane processes: hosts split between replicas, and recovery after SIGKILL.</summary>
public sealed class HostMonitorProcessTests
{
    private const string AdminKey = "process-admin-key";
    private const string TeamKey = "process-team-key";

    private static string[] Settings(int port, TimeSpan leasePeriod) =>
    [
        $"urls=http://127.0.0.1:{port}",
        "Logging:LogLevel:Default=Warning",
        "Logging:LogLevel:Lifecycle.HostMonitoring=Information",
        "Logging:Console:FormatterName=simple",
        $"Lifecycle:Admin:Key={AdminKey}",
        "Lifecycle:Dev:Enabled=true",
        $"Lifecycle:Dev:ApiKey={TeamKey}",
        "Lifecycle:HostMonitor:Interval=00:00:00.300",
        "Lifecycle:HostMonitor:TransientGrace=00:00:00.500",
        "Lifecycle:HostMonitor:HostDeadline=00:00:05",
        "Lifecycle:HostMonitor:RedriveBackoff=00:00:00.100",
        $"Lifecycle:Ownership:LeasePeriod={leasePeriod}",
        "Lifecycle:Operations:Deadline=00:00:03",
        // The test polls 70 sandboxes every 50 ms with one key.
        "Lifecycle:RateLimit:PermitsPerSecond=100000",
        "Lifecycle:RateLimit:Burst=100000",
    ];

    [Test]
    public async Task Replicas_split_the_hosts_and_a_killed_replicas_share_is_taken_over_within_a_lease_period()
    {
        var leasePeriod = TimeSpan.FromSeconds(3);
        var database = await TestDatabase.CreateAsync();
        await using var _ = database;
        var prefix = TestKeyPrefix.New();
        using var first = ControlPlaneProcess.Start(database.ConnectionString, TestServers.Redis, prefix, [.. Settings(LocalServers.FreePort(), leasePeriod), "Lifecycle:Replica:Name=replica-a"]);
        using var second = ControlPlaneProcess.Start(database.ConnectionString, TestServers.Redis, prefix, [.. Settings(LocalServers.FreePort(), leasePeriod), "Lifecycle:Replica:Name=replica-b"]);

        IReadOnlyList<LeaseStore.Lease> leases = [];
        await Eventually.TrueAsync(async () =>
        {
            leases = await LeaseStore.ListAsync(database.DataSource, leasePeriod, CancellationToken.None);
            var hostShards = leases.Where(l => l.Kind == LeaseKind.HostShards.Name).ToList();
            return hostShards.Count == 64 && hostShards.All(l => l.Live)
                && hostShards.Count(l => l.Owner == "replica-a") == 32 && hostShards.Count(l => l.Owner == "replica-b") == 32
                && leases.Single(l => l.Kind == LeaseKind.EventPartitions.Name).Live;
        }, TimeSpan.FromSeconds(30), "the two replicas split the 64 shards of hosts evenly and one owns the event partition");
        await Eventually.TrueAsync(() => first.Logged(PassRan) && second.Logged(PassRan), TimeSpan.FromSeconds(10), "both run passes over their hosts");
        var fences = leases.ToDictionary(l => (l.Kind, l.Slot), l => l.Fence);

        first.Kill();
        var watch = Stopwatch.StartNew();
        await Eventually.TrueAsync(async () =>
        {
            leases = await LeaseStore.ListAsync(database.DataSource, leasePeriod, CancellationToken.None);
            return leases.All(l => l.Owner == "replica-b" && l.Live);
        }, leasePeriod * 3, "replica-b owns every shard and the partition");
        Assert.That(watch.Elapsed, Is.LessThan(leasePeriod), "within one lease period");
        Assert.That(leases.Where(l => fences[(l.Kind, l.Slot)] != l.Fence).Select(l => l.Slot),
            Is.Not.Empty, "taken-over leases carry a new fence");
        Assert.That(leases.All(l => l.Fence >= fences[(l.Kind, l.Slot)]), Is.True, "fences never go back");
        var passesBefore = second.Lines.Count(line => line.Contains(PassRan, StringComparison.Ordinal));
        await Eventually.TrueAsync(() => second.Lines.Count(line => line.Contains(PassRan, StringComparison.Ordinal)) > passesBefore,
            TimeSpan.FromSeconds(10), "the survivor runs passes over all hosts");
    }

    [Test]
    public async Task Operations_interrupted_by_a_killed_control_plane_settle_as_the_host_shows_after_a_restart()
    {
        var database = await TestDatabase.CreateAsync();
        await using var _ = database;
        var prefix = TestKeyPrefix.New();
        var port = LocalServers.FreePort();
        var settings = Settings(port, TimeSpan.FromSeconds(2));
        var crashed = ControlPlaneProcess.Start(database.ConnectionString, TestServers.Redis, prefix, settings);
        // The fleet registers through the admin API, so it returns once the control plane is up.
        await using var fleet = await SimulatedFleet.StartAsync(new SimulatorOptions
        {
            LatencyMs = 300,
            ControlPlaneUrl = $"http://127.0.0.1:{port}",
            AdminKey = AdminKey,
            HeartbeatIntervalMs = 200,
        }, CancellationToken.None);
        var host = fleet.Hosts[0];
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TeamKey);

        var toPause = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CreateAsync(client)));
        await Eventually.TrueAsync(() => toPause.All(id => Status(client, id) == "running"),
            TimeSpan.FromSeconds(30), "20 sandboxes run and their outcome events are applied");

        var creates = Task.WhenAll(Enumerable.Range(0, 50).Select(_ => CreateAsync(client)));
        var pauses = Task.WhenAll(toPause.Select(id => PauseAsync(client, id)));
        var created = await creates;
        await pauses;
        crashed.Kill();
        crashed.Dispose();
        (Guid Id, long Version)[] interrupted;
        await using (var conn = database.DataSource.CreateConnection())
        {
            interrupted = [.. await conn.QueryAsync<(Guid, long)>("SELECT id, version FROM sandboxes WHERE status IN ('starting', 'pausing')")];
        }
        Assert.That(interrupted, Is.Not.Empty, "the kill left operations in flight");

        using var restarted = ControlPlaneProcess.Start(database.ConnectionString, TestServers.Redis, prefix, settings);
        await Eventually.TrueAsync(() => created.All(id => Status(client, id) == "running") && toPause.All(id => Status(client, id) == "paused"),
            TimeSpan.FromSeconds(60), "every interrupted operation settles");

        Assert.That(created.All(id => host.TryGet(id, out var s) && s.State == SimulatedSandboxState.Running), Is.True, "the host runs every create");
        Assert.That(toPause.All(id => host.TryGet(id, out var s) && s.State == SimulatedSandboxState.Paused), Is.True, "and shows every pause");
        await using var history = database.DataSource.CreateConnection();
        // An outcome the crashed process published just before dying is still applied after the restart;
        // every other interrupted operation is the HostMonitor's to settle. Either way, exactly once.
        var endedBy = (await history.QueryAsync<(Guid Id, long Version, string Actor)>(
            "SELECT sandbox_id, version, actor FROM sandbox_transitions WHERE sandbox_id = ANY(@Ids)",
            new { Ids = interrupted.Select(i => i.Id).ToArray() })).Where(t => interrupted.Contains((t.Id, t.Version))).ToList();
        Assert.That(endedBy.Select(e => (e.Id, e.Version)), Is.EquivalentTo(interrupted), "every interrupted operation ended once");
        Assert.That(endedBy.Count(e => e.Actor == "reconciler"), Is.GreaterThan(0), "the HostMonitor finished what nobody else could");
    }

    [Test]
    public async Task A_control_plane_down_longer_than_the_heartbeat_timeout_finds_its_hosts_online_when_it_returns()
    {
        var database = await TestDatabase.CreateAsync();
        await using var _ = database;
        var prefix = TestKeyPrefix.New();
        var port = LocalServers.FreePort();
        var heartbeatTimeout = TimeSpan.FromSeconds(2);
        string[] settings = [.. Settings(port, TimeSpan.FromSeconds(2)), $"Lifecycle:HostMonitor:HeartbeatTimeout={heartbeatTimeout}"];
        var crashed = ControlPlaneProcess.Start(database.ConnectionString, TestServers.Redis, prefix, settings);
        await using var fleet = await SimulatedFleet.StartAsync(new SimulatorOptions
        {
            HostCount = 2,
            ControlPlaneUrl = $"http://127.0.0.1:{port}",
            AdminKey = AdminKey,
            HeartbeatIntervalMs = 200,
        }, CancellationToken.None);
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TeamKey);
        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => CreateAsync(client)));
        await Eventually.TrueAsync(() => ids.All(id => Status(client, id) == "running"), TimeSpan.FromSeconds(30), "the sandboxes run");

        crashed.Kill();
        crashed.Dispose();
        // The fault itself, so a bounded wait rather than a poll: down for longer than the heartbeat
        // timeout while the hosts' heartbeats fail. The passes counted after the restart show it ran.
        await Task.Delay(heartbeatTimeout * 2);
        using var restarted = ControlPlaneProcess.Start(database.ConnectionString, TestServers.Redis, prefix, settings);
        // Fifteen intervals' worth: a scheduled pass covers one slice of the hosts.
        await Eventually.TrueAsync(() => restarted.Lines.Count(line => line.Contains(PassRan, StringComparison.Ordinal)) >= 15 * new HostMonitorOptions().Slices,
            TimeSpan.FromSeconds(60), "passes run for well over a heartbeat timeout after the restart");

        await using var conn = database.DataSource.CreateConnection();
        var lost = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions WHERE type = 'sandbox.lost'");
        Assert.That(lost, Is.Zero, "the hosts were silent only because nobody listened: none of their sandboxes went missing");
        Assert.That(ids.All(id => Status(client, id) == "running"), Is.True);
    }

    private const string PassRan = "HostMonitor pass over ";

    private static async Task<string> CreateAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That((int)response.StatusCode, Is.EqualTo(202));
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task PauseAsync(HttpClient client, string id)
    {
        var response = await client.PostAsync($"/v1/sandboxes/{id}/pause", null);
        Assert.That((int)response.StatusCode, Is.EqualTo(202));
    }

    private static string? Status(HttpClient client, string id)
    {
        try
        {
            return client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}").GetAwaiter().GetResult().GetProperty("status").GetString();
        }
        catch (HttpRequestException)
        {
            return null; // not up yet
        }
    }
}
