using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>The HostMonitor across real control-plane processes: hosts split between replicas, and recovery after SIGKILL.</summary>
[Category(TestLanes.Processes)]
public sealed class HostMonitorProcessTests
{
    private const string TeamKey = DeploymentBuilder.TeamKey;

    /// <summary>A deployment of process replicas on its own database, with the HostMonitor quick (the builder's keys and rate limits).</summary>
    private static DeploymentBuilder Processes(TestDatabase database, TimeSpan leasePeriod) =>
        DeploymentBuilder.On(database.ConnectionString, TestServers.Redis, TestKeyPrefix.New())
            .With("Logging:LogLevel:Default", "Warning")
            .With("Logging:LogLevel:Lifecycle.HostMonitoring", "Information")
            .With("Logging:Console:FormatterName", "simple")
            .With("Lifecycle:HostMonitor:Interval", "00:00:00.300")
            .With("Lifecycle:HostMonitor:TransientGrace", "00:00:00.500")
            .With("Lifecycle:HostMonitor:HostDeadline", "00:00:05")
            .With("Lifecycle:HostMonitor:RedriveBackoff", "00:00:00.100")
            .With("Lifecycle:Ownership:LeasePeriod", $"{leasePeriod}")
            .With("Lifecycle:Operations:Deadline", "00:00:03");

    [Test]
    public async Task Replicas_split_the_hosts_and_a_killed_replicas_share_is_taken_over_within_a_lease_period()
    {
        var leasePeriod = TimeSpan.FromSeconds(3);
        var database = await TestDatabase.CreateAsync();
        await using var _ = database;
        await using var deployment = await Processes(database, leasePeriod)
            .Replicas(2, ReplicaKind.Process, i => i == 1 ? "replica-a" : "replica-b")
            .StartAsync();
        var (first, second) = (((ProcessReplica)deployment["replica-a"]).Process, ((ProcessReplica)deployment["replica-b"]).Process);

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

        deployment.Kill("replica-a");
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
        await using var deployment = await Processes(database, TimeSpan.FromSeconds(2))
            .Replicas(1, ReplicaKind.Process)
            .Hosts(1, sim => sim with { LatencyMs = 300, HeartbeatIntervalMs = 200 })
            .StartAsync();
        var name = deployment.Replicas[0].Name;
        var host = deployment.Fleet.Hosts[0];
        using var client = Deployment.Client(deployment[name], TeamKey);

        var toPause = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CreateAsync(client)));
        await Eventually.TrueAsync(() => toPause.All(id => Status(client, id) == "running"),
            TimeSpan.FromSeconds(30), "20 sandboxes run and their outcome events are applied");

        var creates = Task.WhenAll(Enumerable.Range(0, 50).Select(_ => CreateAsync(client)));
        var pauses = Task.WhenAll(toPause.Select(id => PauseAsync(client, id)));
        var created = await creates;
        await pauses;
        deployment.Kill(name);
        (Guid Id, long Version)[] interrupted;
        await using (var conn = database.DataSource.CreateConnection())
        {
            interrupted = [.. await conn.QueryAsync<(Guid, long)>("SELECT id, version FROM sandboxes WHERE status IN ('starting', 'pausing')")];
        }
        Assert.That(interrupted, Is.Not.Empty, "the kill left operations in flight");

        // Started again on the port it had, which the client and the hosts still call.
        await deployment.StartReplicaAsync(name, ReplicaKind.Process, waitUntilServing: false);
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
        var heartbeatTimeout = TimeSpan.FromSeconds(2);
        await using var deployment = await Processes(database, TimeSpan.FromSeconds(2))
            .With("Lifecycle:HostMonitor:HeartbeatTimeout", $"{heartbeatTimeout}")
            .Replicas(1, ReplicaKind.Process)
            .Hosts(2, sim => sim with { HeartbeatIntervalMs = 200 })
            .StartAsync();
        var name = deployment.Replicas[0].Name;
        using var client = Deployment.Client(deployment[name], TeamKey);
        var ids = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => CreateAsync(client)));
        await Eventually.TrueAsync(() => ids.All(id => Status(client, id) == "running"), TimeSpan.FromSeconds(30), "the sandboxes run");

        deployment.Kill(name);
        // The fault itself, so a bounded wait rather than a poll: down for longer than the heartbeat
        // timeout while the hosts' heartbeats fail. The passes counted after the restart show it ran.
        await Task.Delay(heartbeatTimeout * 2);
        var restarted = ((ProcessReplica)await deployment.StartReplicaAsync(name, ReplicaKind.Process, waitUntilServing: false)).Process;
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
