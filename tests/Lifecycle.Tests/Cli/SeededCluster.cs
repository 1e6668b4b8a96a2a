using Dapper;
using Lifecycle.Cli;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Configuration;
using StackExchange.Redis;

namespace Lifecycle.Tests.Cli;

/// <summary>
/// What on-call meets, seeded on the real servers with no control plane running: a host, a running
/// sandbox with its history, a sandbox stuck <c>starting</c> for ten minutes, events on the stream of
/// which two are pending on consumer <c>c1</c> and one not yet delivered, and a dead letter.
/// </summary>
public sealed class SeededCluster : IAsyncDisposable
{
    public const string Consumer = "c1";

    private SeededCluster(TestDatabase database, string prefix, ConnectionMultiplexer redis)
    {
        Database = database;
        Prefix = prefix;
        Redis = redis;
    }

    public TestDatabase Database { get; }

    public string Prefix { get; }

    public ConnectionMultiplexer Redis { get; }

    public IDatabase Db => Redis.GetDatabase();

    public string Events => $"{Prefix}lifecycle:{{p0}}:events";

    public string DeadStream => $"{Prefix}lifecycle:{{p0}}:dead";

    public Guid HostId { get; private set; }

    public string HostName { get; private set; } = "";

    public Guid Running { get; private set; }

    public Guid Stuck { get; private set; }

    public string[] PendingIds { get; private set; } = [];

    public string DeadLetterId { get; private set; } = "";

    public IConfiguration Configuration => new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["Lifecycle:Postgres:ConnectionString"] = Database.ConnectionString,
        ["Lifecycle:Redis:Configuration"] = TestServers.Redis,
        ["Lifecycle:Streams:KeyPrefix"] = Prefix,
    }).Build();

    public static async Task<SeededCluster> CreateAsync()
    {
        var cluster = new SeededCluster(await TestDatabase.CreateAsync(), TestKeyPrefix.New(), await ConnectionMultiplexer.ConnectAsync(TestServers.Redis));
        await cluster.SeedAsync();
        return cluster;
    }

    /// <summary>Runs <c>lifecyclectl</c> in-process against this cluster; returns its exit code and what it printed.</summary>
    public Task<(int Exit, string Out, string Err)> RunAsync(params string[] args) => RunAtWidthAsync(null, args);

    /// <summary>As a terminal <paramref name="width"/> columns wide shows it.</summary>
    public async Task<(int Exit, string Out, string Err)> RunAtWidthAsync(int? width, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await LifecycleCtl.RunAsync(args, Configuration, output, error, width);
        return (exit, output.ToString(), error.ToString());
    }

    private async Task SeedAsync()
    {
        var name = $"cli-{Guid.NewGuid():N}";
        (var teamId, HostId) = await TestData.TeamAndHostAsync(Database, name, $"{name}-key");
        HostName = $"{name}-host";
        var store = new SandboxStore(Database.DataSource);
        var now = DateTimeOffset.UtcNow;

        var running = await TestData.CreateStartingAsync(store, teamId);
        Running = running.Id;
        var requested = (await new TransitionHistoryStore(Database.DataSource).ForSandboxAsync(running.Id, CancellationToken.None)).Single();
        var succeeded = StateEvent.OperationOutcome(SandboxOperation.Create, running, null, null, now);
        _ = await store.TryTransitionAsync(succeeded, null, CancellationToken.None) ?? throw new InvalidOperationException("seeding: create.succeeded did not apply");

        var stuck = await TestData.CreateStartingAsync(store, teamId);
        Stuck = stuck.Id;
        await using (var conn = Database.DataSource.CreateConnection())
        {
            await conn.ExecuteAsync("UPDATE sandboxes SET updated_at = now() - interval '10 minutes' WHERE id = @Id", new { stuck.Id });
        }

        var createRunning = new StateEvent(requested.EventId, requested.Type, running.Id, teamId, HostId, null, SandboxStatus.Starting, 0,
            requested.Actor, null, null, now);
        var createStuck = createRunning with { EventId = Guid.CreateVersion7(), SandboxId = stuck.Id };
        await Db.StreamCreateConsumerGroupAsync(Events, StreamKeys.ApplierGroup, "0-0", createStream: true);
        foreach (var e in new[] { createRunning, succeeded, createStuck })
        {
            await Db.StreamAddAsync(Events, StreamEvents.Encode(e));
        }
        // c1 reads the first two and never acknowledges them; the third stays undelivered (lag 1).
        var read = await Db.StreamReadGroupAsync(Events, StreamKeys.ApplierGroup, Consumer, ">", count: 2);
        PendingIds = [.. read.Select(r => r.Id.ToString())];

        var keys = new StreamKeys(Microsoft.Extensions.Options.Options.Create(new StreamOptions { KeyPrefix = Prefix }));
        await new DeadLetters(Redis).WriteAsync(keys.Partition(0),
            [new DeadLetters.Letter("1-1", [new NameValueEntry("type", "garbage"), new NameValueEntry("sandbox_id", Running.ToString())],
                "unknown event type 'garbage'", 3, DeadLetters.Kinds.Unreadable)], Consumer);
        DeadLetterId = (await Db.StreamRangeAsync(DeadStream)).Single().Id.ToString();
    }

    public async ValueTask DisposeAsync()
    {
        await Db.KeyDeleteAsync([Events, DeadStream]);
        await Redis.DisposeAsync();
        await Database.DisposeAsync();
    }
}
