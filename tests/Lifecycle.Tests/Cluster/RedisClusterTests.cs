using StackExchange.Redis;

namespace Lifecycle.Tests.Cluster;

/// <summary>
/// The local Redis Cluster that multi-replica runs use, and what it does to a client when a master
/// dies: the partition keys <c>lifecycle:{pN}:events</c> spread over the three masters, a killed
/// master's replica takes over and the multiplexer follows it, and a write the master acknowledged
/// but never replicated is gone after such a failover.
/// </summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class RedisClusterTests
{
    private const int Partitions = 16;
    private static readonly TimeSpan FailoverDeadline = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan HealDeadline = TimeSpan.FromSeconds(60);

    private LocalRedisCluster _cluster = null!;
    private ConnectionMultiplexer _redis = null!;

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _cluster = await LocalRedisCluster.StartAsync();
        var options = ConfigurationOptions.Parse(_cluster.Configuration);
        options.AbortOnConnectFail = false;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        await _redis.DisposeAsync();
        await _cluster.DisposeAsync();
    }

    // A test that killed or froze a node leaves a whole cluster for the next.
    [TearDown]
    public Task HealAsync() => _cluster.HealAsync(HealDeadline);

    [Test]
    public async Task The_cluster_has_three_masters_serving_every_slot_and_the_multiplexer_sees_six_nodes()
    {
        Assert.That(_cluster.Configuration.Split(','), Has.Length.EqualTo(6));
        Assert.That(await _cluster.MastersAsync(), Has.Count.EqualTo(3));
        foreach (var port in _cluster.Ports)
        {
            Assert.That(await _cluster.CommandAsync(port, "CLUSTER", "INFO"), Does.Contain("cluster_state:ok"), $"node {port}");
        }
        Assert.That(_redis.GetEndPoints(), Has.Length.EqualTo(6));
    }

    [Test]
    public async Task Sixteen_partition_streams_land_on_all_three_masters()
    {
        var db = _redis.GetDatabase();
        var holders = new HashSet<int>();

        for (var partition = 0; partition < Partitions; partition++)
        {
            var key = PartitionKey(partition);
            await db.StreamAddAsync(key, "partition", partition);
            var master = await _cluster.MasterForKeyAsync(key);
            // Asked without following redirects: only the master of the key's slot answers.
            Assert.That(await _cluster.CommandAsync(master, "XLEN", key), Is.EqualTo("1"), $"{key} on {master}");
            holders.Add(master);
        }

        Assert.That(holders, Is.EquivalentTo(await _cluster.MastersAsync()));
    }

    [Test]
    public async Task A_killed_master_is_replaced_by_its_replica_and_its_key_is_served_again()
    {
        var db = _redis.GetDatabase();
        var key = PartitionKey(3);
        await db.StreamAddAsync(key, "n", "before");
        var master = await _cluster.MasterForKeyAsync(key);
        var replica = await _cluster.ReplicaOfAsync(master);
        await _cluster.WaitUntilReplicatedAsync(master, FailoverDeadline);

        await _cluster.KillAsync(master);

        await Eventually.TrueAsync(() => SucceedsAsync(() => db.StreamAddAsync(key, "n", "after")), FailoverDeadline,
            $"{key} takes writes again after its master {master} was killed");
        var entries = await db.StreamRangeAsync(key);
        // Distinct: an attempt that timed out may still have been applied before the retry.
        Assert.That(entries.Select(entry => entry["n"].ToString()).Distinct(), Is.EqualTo(new[] { "before", "after" }));
        Assert.That(await _cluster.MasterForKeyAsync(key), Is.EqualTo(replica), "the replica took over");
    }

    [Test]
    public async Task A_write_the_master_acknowledged_but_never_replicated_is_lost_when_its_replica_takes_over()
    {
        var db = _redis.GetDatabase();
        var key = PartitionKey(7);
        await db.StreamAddAsync(key, "n", "replicated");
        var master = await _cluster.MasterForKeyAsync(key);
        var replica = await _cluster.ReplicaOfAsync(master);
        await _cluster.WaitUntilReplicatedAsync(master, FailoverDeadline);

        // Cut the replica off: frozen, and its link dropped, so nothing more reaches it.
        await _cluster.FreezeAsync(replica);
        await _cluster.DropReplicaLinksAsync(master);
        var acknowledged = await db.StreamAddAsync(key, "n", "acknowledged-by-the-master-only");
        Assert.That(await _cluster.CommandAsync(master, "XLEN", key), Is.EqualTo("2"), "the master holds both");
        await _cluster.KillAsync(master);
        await _cluster.ThawAsync(replica);
        await _cluster.WaitUntilHealthyAsync(FailoverDeadline);

        StreamEntry[] entries = [];
        await Eventually.TrueAsync(() => SucceedsAsync(async () => entries = await db.StreamRangeAsync(key)), FailoverDeadline,
            $"{key} readable after the failover");
        Assert.That(await _cluster.MasterForKeyAsync(key), Is.EqualTo(replica), "the replica took over");
        Assert.That(entries.Select(entry => entry["n"].ToString()), Is.EqualTo(new[] { "replicated" }));
        Assert.That(entries.Select(entry => entry.Id), Has.None.EqualTo(acknowledged), "the acknowledged entry is gone");
    }

    /// <summary>The partition's stream key, prefixed by the test's name; the hash tag <c>{pN}</c> picks the slot.</summary>
    private static string PartitionKey(int partition) =>
        $"{TestContext.CurrentContext.Test.Name}:lifecycle:{{p{partition}}}:events";

    /// <summary>Whether the call went through; while a failover is under way it fails or times out.</summary>
    private static async Task<bool> SucceedsAsync(Func<Task> call)
    {
        try
        {
            await call();
            return true;
        }
        catch (RedisException)
        {
            return false;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
