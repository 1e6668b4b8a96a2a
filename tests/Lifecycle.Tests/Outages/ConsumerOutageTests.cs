using System.Diagnostics;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Lifecycle.Tests.Outages;

/// <summary>
/// Real crashes and restarts on servers of the test's own: a consumer process killed with
/// SIGKILL while holding entries, Redis restarted mid-stream, Postgres restarted. Afterwards every
/// published event is in history exactly once and nothing is pending.
/// </summary>
public sealed class ConsumerOutageTests
{
    private const int Sandboxes = 50;

    private static readonly Dictionary<string, string?> FastRecovery = new()
    {
        ["Lifecycle:Consumer:ClaimMinIdle"] = "00:00:00.500",
        ["Lifecycle:Consumer:MaintenanceInterval"] = "00:00:00.100",
        ["Lifecycle:Consumer:MaxBackoff"] = "00:00:00.500",
    };

    [Test]
    public async Task Entries_held_by_a_killed_consumer_process_are_applied_by_another()
    {
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        var prefix = TestKeyPrefix.New();
        var events = await SeedRunningAsync(database, Sandboxes);
        using var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis);
        var db = redis.GetDatabase();
        var stream = $"{prefix}lifecycle:{{p0}}:events";

        await using var victims = await ConsumerOnly(database, servers, prefix, "victim").StartAsync();
        var victim = ((ProcessReplica)victims.Replicas[0]).Process.Process;
        try
        {
            await WaitForAsync(async () => (await ConsumersAsync(db, stream)).Any(c => c.Name == "victim"), victim, "the victim joins the group");
            await servers.StopAsync("postgres");
            // One MULTI, so the victim's first read takes all of them: a consumer that failed to apply
            // retries what it holds before it reads on, so entries added after its first read would stay
            // unread while Postgres is down.
            var adding = db.CreateTransaction();
            var added = events.Select(e => adding.StreamAddAsync(stream, StreamEvents.Encode(e))).ToList();
            Assert.That(await adding.ExecuteAsync(), Is.True);
            await Task.WhenAll(added);
            // The victim reads them all, cannot commit (Postgres is down) and holds them pending.
            await WaitForAsync(async () => (await ConsumersAsync(db, stream)).Single(c => c.Name == "victim").PendingMessageCount == Sandboxes, victim, "the victim holds every entry pending");
        }
        finally
        {
            victim.Kill(entireProcessTree: true);
            await victim.WaitForExitAsync();
        }
        await servers.StartAgainAsync();

        await using var survivor = await ControlPlaneHarness.StartAsync(database: database, redis: servers.Redis,
            settings: new Dictionary<string, string?>(FastRecovery) { ["Lifecycle:Streams:KeyPrefix"] = prefix });
        await AssertAllAppliedOnceAsync(survivor, events);
    }

    [Test]
    public async Task A_consumer_process_told_to_stop_finishes_and_acknowledges_what_it_holds()
    {
        const int count = 200;
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        var prefix = TestKeyPrefix.New();
        var events = await SeedRunningAsync(database, count);
        using var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis);
        var db = redis.GetDatabase();
        var stream = $"{prefix}lifecycle:{{p0}}:events";

        // Small batches, so SIGTERM lands while one is being applied and others are read ahead.
        await using var victims = await ConsumerOnly(database, servers, prefix, "stopping").With("Lifecycle:Consumer:BatchSize", "5").StartAsync();
        var victim = ((ProcessReplica)victims.Replicas[0]).Process.Process;
        try
        {
            await WaitForAsync(async () => (await ConsumersAsync(db, stream)).Any(c => c.Name == "stopping"), victim, "the consumer joins the group");
            var publishing = Task.Run(async () =>
            {
                foreach (var e in events)
                {
                    await db.StreamAddAsync(stream, StreamEvents.Encode(e));
                }
            });
            await WaitForAsync(async () => await AppliedCountAsync(database, events) >= count / 4, victim, "a quarter of the events are applied");
            using (var term = Process.Start("kill", ["-TERM", victim.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await term.WaitForExitAsync();
            }
            var stopwatch = Stopwatch.StartNew();
            using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            await victim.WaitForExitAsync(bound.Token);
            await publishing;

            Assert.That(victim.ExitCode, Is.Zero, "a clean exit");
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(15)), "within the shutdown grace and a margin");
        }
        finally
        {
            if (!victim.HasExited)
            {
                victim.Kill(entireProcessTree: true);
            }
        }

        var stopped = (await ConsumersAsync(db, stream)).Single(c => c.Name == "stopping");
        Assert.That(stopped.PendingMessageCount, Is.Zero, "nothing it had read is left pending");
        var group = (await db.StreamGroupInfoAsync(stream)).Single(g => g.Name == StreamKeys.ApplierGroup);
        var delivered = (await db.StreamRangeAsync(stream, "-", group.LastDeliveredId)).Length;
        Assert.That(await AppliedCountAsync(database, events), Is.EqualTo(delivered), "everything it was handed is applied");

        await using var successor = await ControlPlaneHarness.StartAsync(database: database, redis: servers.Redis,
            settings: new Dictionary<string, string?>(FastRecovery) { ["Lifecycle:Streams:KeyPrefix"] = prefix });
        await AssertAllAppliedOnceAsync(successor, events);
    }

    /// <summary>A control plane process named <paramref name="name"/> that consumes (its HostMonitor off), on the test's own servers.</summary>
    private static DeploymentBuilder ConsumerOnly(TestDatabase database, LocalServers servers, string prefix, string name) =>
        DeploymentBuilder.On(database.ConnectionString, servers.Redis, prefix)
            .With("Lifecycle:HostMonitor:Enabled", "false")
            .Replicas(1, ReplicaKind.Process, _ => name);

    private static async Task<long> AppliedCountAsync(TestDatabase database, List<StateEvent> events)
    {
        await using var conn = database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions WHERE event_id = ANY(@ids)",
            new { ids = events.Select(e => e.EventId).ToArray() });
    }

    [Test]
    public async Task Redis_restarted_mid_stream_loses_nothing()
    {
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        var events = await SeedRunningAsync(database, Sandboxes);
        await using var harness = await ControlPlaneHarness.StartAsync(database: database, redis: servers.Redis, settings: FastRecovery);
        var publisher = harness.Services.GetRequiredService<EventPublisher>();

        foreach (var e in events.Take(Sandboxes / 2))
        {
            await publisher.PublishAsync(e);
        }
        await servers.StopAsync("redis");
        await servers.StartAgainAsync();
        foreach (var e in events.Skip(Sandboxes / 2))
        {
            await PublishWhenRedisIsBackAsync(publisher, e);
        }
        await AssertAllAppliedOnceAsync(harness, events);
    }

    [Test]
    public async Task Postgres_restarted_mid_stream_loses_nothing()
    {
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        var events = await SeedRunningAsync(database, Sandboxes);
        var logs = new CapturedLogs();
        await using var harness = await ControlPlaneHarness.StartAsync(database: database, redis: servers.Redis, settings: FastRecovery, logs: logs);
        var publisher = harness.Services.GetRequiredService<EventPublisher>();

        foreach (var e in events.Take(Sandboxes / 2))
        {
            await publisher.PublishAsync(e);
        }
        await servers.StopAsync("postgres");
        foreach (var e in events.Skip(Sandboxes / 2))
        {
            await publisher.PublishAsync(e);
        }
        // Postgres comes back only once the consumer has met the outage: it read entries it could not commit.
        await Eventually.TrueAsync(() => logs.Entries.Any(entry => entry.Contains("Applying events failed", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), "the consumer fails to apply what it read");
        await servers.StartAgainAsync();
        await AssertAllAppliedOnceAsync(harness, events);
    }

    /// <summary>Running sandboxes, and for each the auto-pause event that will move it to paused.</summary>
    private static async Task<List<StateEvent>> SeedRunningAsync(TestDatabase database, int count)
    {
        var (teamId, hostId) = await TestData.TeamAndHostAsync(database, "outage", ControlPlaneHarness.ApiKey);
        var store = new SandboxStore(database.DataSource);
        var events = new List<StateEvent>();
        for (var i = 0; i < count; i++)
        {
            var starting = await TestData.CreateStartingAsync(store, teamId);
            var now = DateTimeOffset.UtcNow;
            var running = await store.TryTransitionAsync(StateEvent.OperationOutcome(SandboxOperation.Create, starting, null, null, now), null, CancellationToken.None)
                ?? throw new InvalidOperationException("create.succeeded did not apply");
            events.Add(StateEvent.HostReport(Guid.CreateVersion7(), EventTypes.AutoPaused, running, hostId, "idle", now));
        }
        // The requests are applied already (seeded straight into their rows): their outbox rows go, as the appliers'
        // would, so that no relay puts them on the stream beside the test's own events.
        await using var conn = database.DataSource.CreateConnection();
        await conn.ExecuteAsync("DELETE FROM event_outbox WHERE sandbox_id = ANY(@Ids)", new { Ids = events.Select(e => e.SandboxId).ToArray() });
        return events;
    }

    private static async Task AssertAllAppliedOnceAsync(ControlPlaneHarness harness, List<StateEvent> events)
    {
        IReadOnlyList<(Guid EventId, long Count)> recorded = [];
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await using var conn = harness.Database.DataSource.CreateConnection();
                recorded = (await conn.QueryAsync<(Guid, long)>(
                    "SELECT event_id, count(*) FROM sandbox_transitions WHERE event_id = ANY(@ids) GROUP BY event_id",
                    new { ids = events.Select(e => e.EventId).ToArray() })).ToList();
                return recorded.Count == events.Count;
            }
            catch (Npgsql.NpgsqlException)
            {
                // The test's own pooled connections died with the restart; the pool replaces them.
                return false;
            }
        }, TimeSpan.FromSeconds(30), "every published event is in history");

        Assert.That(recorded.All(r => r.Count == 1), Is.True, "and only once");
        await harness.WaitForConsumerIdleAsync(TimeSpan.FromSeconds(30));
        var dead = await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).DeadLetters);
        Assert.That(dead, Is.Zero, "an outage sends nothing to the dead letters");
    }

    private static Task PublishWhenRedisIsBackAsync(EventPublisher publisher, StateEvent e) =>
        Eventually.TrueAsync(async () =>
        {
            try
            {
                await publisher.PublishAsync(e);
                return true;
            }
            catch (RedisConnectionException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "Redis takes a publish again", TimeSpan.FromMilliseconds(100));

    private static async Task<StreamConsumerInfo[]> ConsumersAsync(IDatabase db, string stream)
    {
        try
        {
            return await db.StreamConsumerInfoAsync(stream, StreamKeys.ApplierGroup);
        }
        catch (RedisServerException)
        {
            return []; // no stream or group yet
        }
    }

    private static Task WaitForAsync(Func<Task<bool>> condition, Process process, string what) =>
        Eventually.TrueAsync(async () =>
        {
            Assert.That(process.HasExited, Is.False, "the consumer process exited by itself");
            return await condition();
        }, TimeSpan.FromSeconds(30), what);
}
