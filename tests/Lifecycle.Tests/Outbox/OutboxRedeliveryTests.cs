using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Tests.Outbox;

/// <summary>
/// What the outbox promises beyond an outage: an event Redis acknowledged and then lost is sent again, and an event on
/// the stream whose sender died before marking it (so it is sent twice) is applied once, with every history chain
/// unbroken.
/// </summary>
[Category(TestLanes.Processes)]
public sealed class OutboxRedeliveryTests
{
    private const int Sandboxes = 30;

    private static readonly Dictionary<string, string?> QuickRecheck = new()
    {
        ["Lifecycle:Outbox:RecheckAfter"] = "00:00:01",
        ["Lifecycle:Outbox:AtOnceGrace"] = "00:00:00.500",
    };

    [Test]
    public async Task Events_redis_acknowledged_and_lost_in_a_crash_are_sent_again_and_applied()
    {
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        var prefix = TestKeyPrefix.New();
        var outcomes = await SeedStartingWithOutcomesAsync(database);
        using (var redis = await ConnectionMultiplexer.ConnectAsync($"{servers.Redis},allowAdmin=true"))
        {
            // From here on nothing reaches Redis's append-only file: a crash loses every write after this, as one
            // with appendfsync everysec loses its last second.
            await redis.GetServers()[0].ConfigSetAsync("appendonly", "no");
            await RelayEverythingAsync(database, redis, prefix);
            Assert.That(await redis.GetDatabase().StreamLengthAsync($"{prefix}lifecycle:{{p0}}:events"), Is.EqualTo(2 * Sandboxes),
                "Redis acknowledged every event");
        }
        await servers.CrashAsync("redis");
        await servers.StartAgainAsync();

        await using var harness = await ControlPlaneHarness.StartAsync(database: database, redis: servers.Redis,
            settings: new Dictionary<string, string?>(QuickRecheck) { ["Lifecycle:Streams:KeyPrefix"] = prefix });
        await AssertAppliedOnceAsync(harness, outcomes);
    }

    [Test]
    public async Task Events_appended_by_a_sender_that_died_before_marking_them_are_applied_once()
    {
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        var prefix = TestKeyPrefix.New();
        var outcomes = await SeedStartingWithOutcomesAsync(database);
        using (var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis))
        {
            // What a sender that dies between its XADD and its UPDATE leaves, and the relay's copy of the same unmarked rows:
            // every event twice on the stream, none marked. (Appended here, not left to the relay, because the appliers may
            // see the first copy and remove the rows before the relay looks: then nothing is sent twice, which is fine but tests nothing.)
            var publisher = new EventPublisher(redis, Keys(prefix));
            var store = new OutboxStore(database.DataSource);
            var (recorded, _) = await store.DueAsync(0, TimeSpan.Zero, TimeSpan.FromDays(3650), 10_000, CancellationToken.None);
            Assert.That(recorded, Has.Count.EqualTo(2 * Sandboxes));
            Assert.That(await publisher.AppendAsync(recorded), Has.All.Not.Null);
            Assert.That(await publisher.AppendAsync(recorded), Has.All.Not.Null);
        }

        await using var harness = await ControlPlaneHarness.StartAsync(database: database, redis: servers.Redis,
            settings: new Dictionary<string, string?>(QuickRecheck) { ["Lifecycle:Streams:KeyPrefix"] = prefix });
        await AssertAppliedOnceAsync(harness, outcomes);
        Assert.That(await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).Events), Is.GreaterThanOrEqualTo(4 * Sandboxes),
            "each event reached the stream at least twice");
    }

    /// <summary><see cref="Sandboxes"/> starting sandboxes, each with its create's request and success recorded and not sent.</summary>
    private static async Task<List<StateEvent>> SeedStartingWithOutcomesAsync(TestDatabase database)
    {
        var (teamId, _) = await TestData.TeamAndHostAsync(database, "outbox", ControlPlaneHarness.ApiKey);
        var sandboxes = new SandboxStore(database.DataSource);
        var outcomes = new List<StateEvent>();
        for (var i = 0; i < Sandboxes; i++)
        {
            var starting = await TestData.CreateStartingAsync(sandboxes, teamId);
            outcomes.Add(StateEvent.OperationOutcome(SandboxOperation.Create, starting, null, null, DateTimeOffset.UtcNow));
        }
        await new OutboxStore(database.DataSource).RecordAsync([.. outcomes.Select(e => new OutboxRecord(e, 0))], CancellationToken.None);
        return outcomes;
    }

    /// <summary>Runs one partition's relay until every recorded event is on the stream and marked so.</summary>
    private static async Task RelayEverythingAsync(TestDatabase database, ConnectionMultiplexer redis, string prefix)
    {
        var store = new OutboxStore(database.DataSource);
        using var counters = new OutboxCounters();
        var relay = new PartitionRelay(Keys(prefix).Partition(0), store, new EventPublisher(redis, Keys(prefix)),
            counters, new OutboxOptions { AtOnceGrace = TimeSpan.Zero }, NullLogger<PartitionRelay>.Instance);
        using var owned = new CancellationTokenSource();
        var running = relay.RunAsync(owned.Token);
        await using var conn = database.DataSource.CreateConnection();
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox WHERE stream_id IS NULL") == 0,
            TimeSpan.FromSeconds(10), "the relay sends every recorded event", TimeSpan.FromMilliseconds(20));
        await owned.CancelAsync();
        await running;
    }

    private static StreamKeys Keys(string prefix) => new(Options.Create(new StreamOptions { KeyPrefix = prefix }));

    private static async Task AssertAppliedOnceAsync(ControlPlaneHarness harness, List<StateEvent> outcomes)
    {
        var ids = outcomes.Select(e => e.SandboxId).ToArray();
        await using var conn = harness.Database.DataSource.CreateConnection();
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM sandboxes WHERE id = ANY(@Ids) AND status = 'running'", new { Ids = ids }) == Sandboxes,
            TimeSpan.FromSeconds(30), "every sandbox runs, by its recorded outcome", TimeSpan.FromMilliseconds(50));
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox") == 0,
            TimeSpan.FromSeconds(30), "the outbox empties once the appliers have seen every event", TimeSpan.FromMilliseconds(50));
        var chains = (await conn.QueryAsync<(Guid SandboxId, long Rows, long Versions, long MaxVersion, long Succeeded)>("""
            SELECT sandbox_id, count(*), count(DISTINCT version), max(version), count(*) FILTER (WHERE event_id = ANY(@Outcomes))
              FROM sandbox_transitions WHERE sandbox_id = ANY(@Ids) GROUP BY sandbox_id
            """, new { Ids = ids, Outcomes = outcomes.Select(e => e.EventId).ToArray() })).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(chains, Has.Count.EqualTo(Sandboxes));
            Assert.That(chains.Where(c => c.Rows != 2 || c.Versions != 2 || c.MaxVersion != 1), Is.Empty,
                "each history is the request at version 0 and its outcome at version 1, nothing twice");
            Assert.That(chains.Where(c => c.Succeeded != 1), Is.Empty, "each recorded outcome applied exactly once");
        });
    }
}
