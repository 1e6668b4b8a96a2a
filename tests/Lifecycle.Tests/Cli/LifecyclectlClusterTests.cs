using System.Text.Json;
using Lifecycle.Cli;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Tests.Cli;

/// <summary>
/// <c>lifecyclectl</c> on a Redis Cluster with sixteen partitions: two partitions on different masters
/// each hold an entry pending on <c>c1</c>, one undelivered and a dead letter; every command sees all
/// of them, named <c>pN/&lt;id&gt;</c>, and a replay's MULTI runs on the partition's own master.
/// </summary>
[Category("Cluster")]
public sealed class LifecyclectlClusterTests
{
    private const int Partitions = 16;
    private const string Consumer = "c1";

    private TestDatabase _database = null!;
    private ConnectionMultiplexer _redis = null!;
    private StreamKeys _keys = null!;
    private IConfiguration _configuration = null!;
    private PartitionKeys[] _seeded = [];
    private readonly Dictionary<int, string> _pending = [];

    [OneTimeSetUp]
    public async Task SeedAsync()
    {
        var cluster = await SharedRedisCluster.GetAsync();
        await cluster.WaitUntilHealthyAsync(TimeSpan.FromSeconds(60));
        _database = await TestDatabase.CreateAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration);
        var prefix = TestKeyPrefix.New();
        _keys = new StreamKeys(Options.Create(new StreamOptions { KeyPrefix = prefix, Partitions = Partitions }));
        _configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = _database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = cluster.Configuration,
            ["Lifecycle:Streams:KeyPrefix"] = prefix,
            ["Lifecycle:Streams:Partitions"] = $"{Partitions}",
        }).Build();

        // Two partitions served by different masters.
        var byMaster = new Dictionary<int, PartitionKeys>();
        foreach (var partition in _keys.Partitions)
        {
            byMaster.TryAdd(await cluster.MasterForKeyAsync(partition.Events), partition);
        }
        _seeded = [.. byMaster.Values.Take(2)];
        var db = _redis.GetDatabase();
        foreach (var partition in _seeded)
        {
            await db.StreamCreateConsumerGroupAsync(partition.Events, StreamKeys.ApplierGroup, "0-0", createStream: true);
            var sandbox = Guid.NewGuid().ToString();
            await db.StreamAddAsync(partition.Events, [new("type", "sandbox.create.requested"), new("sandbox_id", sandbox)]);
            await db.StreamAddAsync(partition.Events, [new("type", "sandbox.create.succeeded"), new("sandbox_id", sandbox)]);
            _pending[partition.Index] = (await db.StreamReadGroupAsync(partition.Events, StreamKeys.ApplierGroup, Consumer, ">", count: 1)).Single().Id.ToString();
            await new DeadLetters(_redis).WriteAsync(partition,
                [new DeadLetters.Letter("1-1", [new("type", "garbage"), new("sandbox_id", sandbox)], "unknown event type 'garbage'", 3, DeadLetters.Kinds.Unreadable)], Consumer);
        }
    }

    [OneTimeTearDown]
    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Test]
    [Order(1)]
    public async Task Streams_shows_every_partition_and_its_thresholds_name_the_partition()
    {
        var (exit, json, _) = await RunAsync("streams", "--json");
        var (unhealthy, table, _) = await RunAsync("streams", "--max-pending", "0", "--max-dead", "1");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        var streams = JsonDocument.Parse(json).RootElement.GetProperty("streams").EnumerateArray().ToList();
        Assert.That(streams.Select(s => s.GetProperty("key").GetString()),
            Is.EquivalentTo(_keys.Partitions.SelectMany(p => new[] { p.Events, p.DeadLetters })));
        foreach (var partition in _seeded)
        {
            var group = streams.Single(s => s.GetProperty("key").GetString() == partition.Events).GetProperty("groups")[0];
            Assert.That((group.GetProperty("pending").GetInt64(), group.GetProperty("lag").GetInt64()), Is.EqualTo((1L, 1L)), partition.Name);
        }
        Assert.That(unhealthy, Is.EqualTo(ExitCodes.Unhealthy));
        foreach (var partition in _seeded)
        {
            Assert.That(table, Does.Contain($"UNHEALTHY: {partition.Name} group appliers: 1 pending > --max-pending 0"));
        }
        Assert.That(table, Does.Contain("UNHEALTHY: 2 dead letters > --max-dead 1"));
    }

    [Test]
    [Order(2)]
    public async Task Pending_lists_the_held_entries_of_every_partition()
    {
        var (exit, json, error) = await RunAsync("pending", "--json");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), error);
        var entries = JsonDocument.Parse(json).RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("id").GetString()), Is.EquivalentTo(_pending.Select(p => $"p{p.Key}/{p.Value}")));
        Assert.That(entries.Select(e => e.GetProperty("consumer").GetString()), Is.All.EqualTo(Consumer));
        Assert.That(entries.Select(e => e.GetProperty("type").GetString()), Is.All.EqualTo("sandbox.create.requested"));
    }

    // Last: it changes what the others read.
    [Test]
    [Order(3)]
    public async Task Dead_lists_and_replays_letters_of_every_partition()
    {
        var (exit, json, _) = await RunAsync("dead", "--json");
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        var letters = JsonDocument.Parse(json).RootElement.GetProperty("letters").EnumerateArray().Select(l => l.GetProperty("id").GetString()!).ToList();
        Assert.That(letters.Select(l => l[..l.IndexOf('/', StringComparison.Ordinal)]), Is.EquivalentTo(_seeded.Select(p => p.Name)));
        var lengths = await Task.WhenAll(_seeded.Select(p => _redis.GetDatabase().StreamLengthAsync(p.Events)));

        var (one, output, _) = await RunAsync("dead", "replay", letters[0]);
        var (all, replayed, _) = await RunAsync("dead", "replay", "--all", "--json");

        Assert.That(one, Is.EqualTo(ExitCodes.Ok), output);
        Assert.That(output, Does.Contain($"{letters[0]}: replayed as p").And.Contain("1 of 1 replayed"));
        Assert.That(all, Is.EqualTo(ExitCodes.Ok), replayed);
        var rest = JsonDocument.Parse(replayed).RootElement.GetProperty("replayed").EnumerateArray().Single();
        Assert.That((rest.GetProperty("letter").GetString(), rest.GetProperty("outcome").GetString()), Is.EqualTo((letters[1], "replayed")));
        for (var i = 0; i < _seeded.Length; i++)
        {
            Assert.That(await _redis.GetDatabase().StreamLengthAsync(_seeded[i].DeadLetters), Is.Zero, $"{_seeded[i].Name} has no letter left");
            var last = (await _redis.GetDatabase().StreamRangeAsync(_seeded[i].Events, "-", "+", 1, Order.Descending)).Single();
            Assert.That((last["type"].ToString(), await _redis.GetDatabase().StreamLengthAsync(_seeded[i].Events)), Is.EqualTo(("garbage", lengths[i] + 1)),
                $"the letter went back on {_seeded[i].Name}'s own stream");
        }
    }

    private async Task<(int Exit, string Out, string Err)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await LifecycleCtl.RunAsync(args, _configuration, output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
