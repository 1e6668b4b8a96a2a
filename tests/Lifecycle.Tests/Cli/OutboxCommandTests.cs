using System.Text.Json;
using Dapper;
using Lifecycle.Cli;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Tests.Cli;

/// <summary>
/// <c>lifecyclectl outbox</c> and the outbox part of <c>lifecyclectl sandbox</c>, on a database of their own with events
/// recorded and not sent (no control plane runs), and with Redis unreachable: both read Postgres alone.
/// </summary>
public sealed class OutboxCommandTests
{
    [Test]
    public async Task Outbox_counts_pending_and_unsent_events_per_partition_and_exits_1_past_the_age_bound()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (starting, outcome) = await SeedAsync(database);
        await using (var conn = database.DataSource.CreateConnection())
        {
            // The request is on the stream already (not yet applied); the outcome has waited a minute to get there.
            await conn.ExecuteAsync("UPDATE event_outbox SET stream_id = '1-0', sent_at = now() WHERE event_id <> @Outcome", new { Outcome = outcome.EventId });
            await conn.ExecuteAsync("UPDATE event_outbox SET recorded_at = now() - interval '1 minute' WHERE event_id = @Outcome", new { Outcome = outcome.EventId });
        }

        var (exit, table, _) = await RunAsync(database, TestServers.Redis, "outbox");
        var (jsonExit, json, _) = await RunAsync(database, TestServers.Redis, "outbox", "--json");
        var (late, lateTable, _) = await RunAsync(database, TestServers.Redis, "outbox", "--max-unsent-age", "30s");
        var (withinBound, _, _) = await RunAsync(database, TestServers.Redis, "outbox", "--max-unsent-age", "1h");

        Assert.Multiple(() =>
        {
            Assert.That((exit, jsonExit, withinBound), Is.EqualTo((ExitCodes.Ok, ExitCodes.Ok, ExitCodes.Ok)));
            Assert.That(Lines(table).First(), Does.StartWith("PARTITION  PENDING  UNSENT  OLDEST UNSENT"));
            Assert.That(Lines(table).Skip(1).Single(), Does.StartWith("0          2        1       1m"), table);
            var partition = JsonDocument.Parse(json).RootElement.GetProperty("partitions")[0];
            Assert.That(partition.GetProperty("pending").GetInt64(), Is.EqualTo(2));
            Assert.That(partition.GetProperty("unsent").GetInt64(), Is.EqualTo(1));
            Assert.That(partition.GetProperty("oldest_unsent_age_seconds").GetDouble(), Is.GreaterThanOrEqualTo(60));
            Assert.That(late, Is.EqualTo(ExitCodes.Unhealthy));
            Assert.That(lateTable, Does.Contain("partition 0: an event has waited 1m"));
        });
        Assert.That(starting.Status, Is.EqualTo(SandboxStatus.Starting));
    }

    [Test]
    public async Task Sandbox_shows_its_recorded_events_and_the_rest_of_its_story_while_redis_is_unreachable()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (starting, outcome) = await SeedAsync(database);
        var unreachable = $"127.0.0.1:{LocalServers.FreePort()}";

        var (exit, text, _) = await RunAsync(database, unreachable, "sandbox", starting.Id.ToString());
        var (jsonExit, json, _) = await RunAsync(database, unreachable, "sandbox", starting.Id.ToString(), "--json");

        Assert.Multiple(() =>
        {
            Assert.That((exit, jsonExit), Is.EqualTo((ExitCodes.Ok, ExitCodes.Ok)), text);
            Assert.That(text, Does.Contain("History (1 transitions, from Postgres):"));
            Assert.That(text, Does.Contain("In the outbox (2 recorded, not yet seen on the stream by the appliers):"));
            Assert.That(Lines(text).Single(l => l.Contains(outcome.EventId.ToString(), StringComparison.Ordinal)),
                Does.Contain("sandbox.create.succeeded").And.Contain("starting→running").And.Contain("not yet"));
            Assert.That(text, Does.Contain("The streams could not be read: Redis is unreachable"));
            var root = JsonDocument.Parse(json).RootElement;
            Assert.That(root.GetProperty("outbox").GetArrayLength(), Is.EqualTo(2));
            Assert.That(root.GetProperty("redis_unreachable").GetString(), Is.Not.Empty);
        });
    }

    /// <summary>A starting sandbox whose create request is recorded (as the API records it) and whose outcome is too.</summary>
    private static async Task<(SandboxRow Starting, StateEvent Outcome)> SeedAsync(TestDatabase database)
    {
        var name = $"outbox-{Guid.NewGuid():N}";
        var (teamId, _) = await TestData.TeamAndHostAsync(database, name, $"{name}-key");
        var starting = await TestData.CreateStartingAsync(new SandboxStore(database.DataSource), teamId);
        var outcome = StateEvent.OperationOutcome(SandboxOperation.Create, starting, null, null, DateTimeOffset.UtcNow);
        await new OutboxStore(database.DataSource).RecordAsync([new OutboxRecord(outcome, 0)], CancellationToken.None);
        return (starting, outcome);
    }

    private static async Task<(int Exit, string Out, string Err)> RunAsync(TestDatabase database, string redis, params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = redis,
            ["Lifecycle:Streams:KeyPrefix"] = TestKeyPrefix.New(),
        }).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await LifecycleCtl.RunAsync(args, configuration, output, error, 200);
        return (exit, output.ToString(), error.ToString());
    }

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'));
}
