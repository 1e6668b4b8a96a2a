using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Lifecycle.Tests.Cluster;

/// <summary>
/// A Redis master killed after it acknowledged outcome events its replica never got: the failover loses
/// them from the stream, and the outbox, which still holds them, has them applied as they were. The events must
/// not be applied before the kill, so the replica that owns their partitions is stalled (SIGSTOP) while
/// they are written, then dies (SIGKILL) — a replica paused by its machine, then lost.
/// </summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class MasterFailoverTests
{
    private const string Stalled = "stalled-replica";
    private static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan SettleDeadline = TimeSpan.FromSeconds(90);

    private LocalRedisCluster _cluster = null!;

    [SetUp]
    public async Task HealthyClusterAsync()
    {
        _cluster = await SharedRedisCluster.GetAsync();
        await _cluster.WaitUntilHealthyAsync(FailoverDeadline);
    }

    // The cluster is shared by the run: a killed master comes back as a replica, a frozen node is thawed.
    [TearDown]
    public Task HealAsync() => _cluster.HealAsync(FailoverDeadline);

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Lifecycle:Streams:Partitions"] = "16",
        ["Lifecycle:HostMonitor:Enabled"] = "true",
        ["Lifecycle:HostMonitor:Interval"] = "00:00:01",
        ["Lifecycle:HostMonitor:Slices"] = "1",
        // Long enough that nothing is settled while the events are still on the doomed master.
        ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:05",
        ["Lifecycle:HostMonitor:RedriveBackoff"] = "00:00:00.100",
        // A stalled replica keeps its partitions while stalled; its death frees them at once (its session's lock goes).
        ["Lifecycle:Ownership:LeasePeriod"] = "00:00:30",
        // Acknowledgements lost with the master leave entries pending on the promoted replica: reclaimed soon.
        ["Lifecycle:Consumer:ClaimMinIdle"] = "00:00:02",
        ["Lifecycle:Consumer:MaintenanceInterval"] = "00:00:01",
    };

    [Test]
    public async Task Outcome_events_lost_with_a_killed_master_are_sent_again_from_the_outbox_and_applied()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 1, latencyMs: 20, redis: _cluster.Configuration, settings: Settings);
        var stalled = await harness.StartProcessReplicaAsync(Stalled, [KeyValuePair.Create("Logging:LogLevel:Default", (string?)"Warning")]);
        var owned = await PartitionsOwnedByAsync(harness, Stalled);

        // The doomed master: the one that serves the most of the stalled replica's partitions.
        var byMaster = new Dictionary<int, List<int>>();
        foreach (var partition in owned)
        {
            var master = await _cluster.MasterForKeyAsync(harness.Keys.Partition(partition).Events);
            (byMaster.TryGetValue(master, out var list) ? list : byMaster[master] = []).Add(partition);
        }
        var (doomed, doomedPartitions) = byMaster.MaxBy(m => m.Value.Count);
        var replica = await _cluster.ReplicaOfAsync(doomed);
        var before = await harness.CreateRunningAsync();
        await _cluster.WaitUntilReplicatedAsync(doomed, FailoverDeadline);

        // From here the stalled replica reads nothing, and the doomed master's writes reach no replica.
        Signal(stalled.Pid, "STOP");
        await _cluster.FreezeAsync(replica);
        await _cluster.DropReplicaLinksAsync(doomed);
        var created = new List<Guid>();
        while (created.Count(id => doomedPartitions.Contains(harness.Keys.For(id).Index)) < 3 && created.Count < 80)
        {
            created.Add(await CreateAsync(harness.Client));
        }
        var lostSandboxes = created.Where(id => doomedPartitions.Contains(harness.Keys.For(id).Index)).ToHashSet();
        Assert.That(lostSandboxes, Has.Count.GreaterThanOrEqualTo(3), "sandboxes whose events go to the doomed master");
        var host = harness.Fleet.Hosts[0];
        await Eventually.TrueAsync(() => created.All(id => host.TryGet(id.ToString(), out var s) && s.State == SimulatedSandboxState.Running),
            SettleDeadline, "the host runs every sandbox");
        var lostEntries = await Eventually.ValueAsync(() => OutcomeEntriesAsync(harness, lostSandboxes), entries => entries.Count == lostSandboxes.Count,
            SettleDeadline, "every outcome event is on the doomed master");
        Assert.That(await StatusesAsync(harness, lostSandboxes), Is.All.EqualTo("starting"), "nobody applied them before the kill");

        await _cluster.KillAsync(doomed);
        await _cluster.ThawAsync(replica);
        stalled.Kill();
        await _cluster.WaitUntilHealthyAsync(FailoverDeadline);

        // The failover really lost them: none of the acknowledged entries exists on the promoted replica.
        await Eventually.TrueAsync(() => ClusterInvariants.SucceedsAsync(async () =>
        {
            foreach (var partition in doomedPartitions)
            {
                var ids = (await harness.Redis.StreamRangeAsync(harness.Keys.Partition(partition).Events)).Select(e => e.Id.ToString());
                Assert.That(ids.Intersect(lostEntries.Select(e => e.Id.ToString())), Is.Empty, $"the outcome entries of {harness.Keys.Partition(partition).Name} are gone");
            }
        }), FailoverDeadline, "the promoted replica answers");
        Assert.That(await _cluster.MasterForKeyAsync(harness.Keys.Partition(doomedPartitions[0]).Events), Is.EqualTo(replica), "the replica took over");

        // The control plane reconnects by itself: a new sandbox on the promoted master's partitions runs.
        var after = new List<Guid>();
        await Eventually.TrueAsync(async () =>
        {
            var response = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
            if (response.IsSuccessStatusCode)
            {
                after.Add(Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!));
            }
            return after.Any(id => doomedPartitions.Contains(harness.Keys.For(id).Index));
        }, FailoverDeadline, "a create is accepted on a partition of the promoted master");

        var everything = created.Concat(after).Append(Guid.Parse(before)).ToList();
        try
        {
            await Eventually.TrueAsync(async () => (await StatusesAsync(harness, everything)).All(s => s == "running"), SettleDeadline,
                "every sandbox runs, as its host shows");
        }
        catch (TimeoutException)
        {
            await DescribeAsync(harness, host.Name);
            throw;
        }
        await using (var conn = harness.Database.DataSource.CreateConnection())
        {
            var settledBy = await conn.QueryAsync<(Guid Id, string Actor)>(
                "SELECT sandbox_id, actor FROM sandbox_transitions WHERE sandbox_id = ANY(@Ids) AND to_status = 'running'",
                new { Ids = lostSandboxes.ToArray() });
            Assert.That(settledBy.Select(s => s.Id), Is.EquivalentTo(lostSandboxes), "each lost sandbox reached running once");
            // The recorded outcome itself, sent again by the relay (or applied by the HostMonitor from the outbox): never a
            // correction of the HostMonitor's, since the host's answer was recorded before Redis lost it.
            Assert.That(settledBy.Select(s => s.Actor), Is.All.EqualTo(Actors.Operation), "the lost outcomes themselves were applied");
        }
        await ClusterInvariants.NothingUnsettledAndNoOrphanAsync(harness);
        await ClusterInvariants.HistoriesAreContiguousAsync(harness);
        await ClusterInvariants.NothingPendingAnywhereAsync(harness, SettleDeadline);
    }

    /// <summary>What to look at when the sandboxes do not settle: who owns what, and when and by whom each host was last reconciled.</summary>
    private static async Task DescribeAsync(ControlPlaneHarness harness, string hostName)
    {
        var shards = harness.Services.GetRequiredService<HostShards>();
        foreach (var row in await harness.Services.GetRequiredService<HostStore>().ListAsync(CancellationToken.None))
        {
            TestContext.Out.WriteLine($"host {row.Name} ({row.Id}): {row.Status.ToWire()}, last heartbeat {row.LastHeartbeatAt:O}, " +
                $"last reconciled {row.ReconciledAt:O} by {row.ReconciledBy ?? "nobody"}, owned here: {shards.OwnsHost(row.Id)} (this host: {row.Name == hostName})");
        }
        foreach (var lease in await LeaseStore.ListAsync(harness.Database.DataSource, LeasePeriod, CancellationToken.None))
        {
            TestContext.Out.WriteLine($"lease {lease.Kind}/{lease.Slot}: {lease.Owner ?? "none"} (live {lease.Live}, fence {lease.Fence}, expires {lease.ExpiresAt:O})");
        }
        await using var conn = harness.Database.DataSource.CreateConnection();
        foreach (var (id, status, version) in await conn.QueryAsync<(Guid, string, long)>("SELECT id, status, version FROM sandboxes WHERE status <> 'running'"))
        {
            TestContext.Out.WriteLine($"sandbox {id}: {status} v{version}, partition {harness.Keys.For(id).Index}");
        }
    }

    /// <summary>Waits until the two replicas split the partitions, and returns the named one's.</summary>
    private static async Task<IReadOnlyList<int>> PartitionsOwnedByAsync(ControlPlaneHarness harness, string replica)
    {
        IReadOnlyList<LeaseStore.Lease> leases = [];
        await Eventually.TrueAsync(async () =>
        {
            leases = [.. (await LeaseStore.ListAsync(harness.Database.DataSource, LeasePeriod, CancellationToken.None)).Where(l => l.Kind == LeaseKind.EventPartitions.Name)];
            return leases.Count == 16 && leases.All(l => l.Live) && leases.Count(l => l.Owner == replica) == 8;
        }, TimeSpan.FromSeconds(60), $"{replica} owns half the partitions");
        // The other replica's consumers stop on handover before it releases: once its leases are gone, so are they.
        return [.. leases.Where(l => l.Owner == replica).Select(l => l.Slot)];
    }

    private static async Task<List<StreamEntry>> OutcomeEntriesAsync(ControlPlaneHarness harness, IReadOnlySet<Guid> sandboxes)
    {
        var partitions = sandboxes.Select(id => harness.Keys.For(id)).Distinct();
        var entries = new List<StreamEntry>();
        foreach (var partition in partitions)
        {
            entries.AddRange((await harness.Redis.StreamRangeAsync(partition.Events)).Where(e =>
                e["type"] == EventTypes.CreateSucceeded && Guid.TryParse(e["sandbox_id"].ToString(), out var id) && sandboxes.Contains(id)));
        }
        return entries;
    }

    private static async Task<List<string>> StatusesAsync(ControlPlaneHarness harness, IEnumerable<Guid> ids)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<string>("SELECT status FROM sandboxes WHERE id = ANY(@Ids)", new { Ids = ids.ToArray() })];
    }

    private static async Task<Guid> CreateAsync(HttpClient client)
    {
        var response = await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That((int)response.StatusCode, Is.EqualTo(202), await response.Content.ReadAsStringAsync());
        return Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
    }

    private static void Signal(int pid, string signal)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }
}
