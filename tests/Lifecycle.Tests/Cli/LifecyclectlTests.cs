using System.Text.Json;
using Lifecycle.Cli;
using Lifecycle.Infrastructure.Streams;
using StackExchange.Redis;

namespace Lifecycle.Tests.Cli;

/// <summary>
/// Each <c>lifecyclectl</c> command against real Redis and Postgres holding seeded trouble (pending
/// entries, a dead letter, a stuck sandbox), in table and JSON form, with the exit codes scripts use.
/// Commands that change state get a cluster of their own.
/// </summary>
public sealed class LifecyclectlTests
{
    private SeededCluster _cluster = null!;

    [OneTimeSetUp]
    public async Task SeedAsync() => _cluster = await SeededCluster.CreateAsync();

    [OneTimeTearDown]
    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Test]
    public async Task Streams_shows_length_groups_consumers_pending_and_lag_as_xinfo_does()
    {
        var (exit, table, _) = await _cluster.RunAsync("streams");
        var (jsonExit, json, _) = await _cluster.RunAsync("streams", "--json");

        Assert.That((exit, jsonExit), Is.EqualTo((ExitCodes.Ok, ExitCodes.Ok)));
        Assert.That(Row(table, _cluster.Events), Does.StartWith($"{_cluster.Events} 3 "));
        Assert.That(Row(table, _cluster.Events, StreamKeys.ApplierGroup), Does.Contain($"{StreamKeys.ApplierGroup} 1 2 1"), table);
        Assert.That(Row(table, StreamKeys.ApplierGroup, SeededCluster.Consumer), Does.Contain($"{SeededCluster.Consumer} 2"), table);
        var group = (await _cluster.Db.StreamGroupInfoAsync(_cluster.Events)).Single();
        var streams = JsonDocument.Parse(json).RootElement.GetProperty("streams");
        var events = streams.EnumerateArray().Single(s => s.GetProperty("key").GetString() == _cluster.Events);
        var applier = events.GetProperty("groups")[0];
        Assert.That(events.GetProperty("length").GetInt64(), Is.EqualTo(await _cluster.Db.StreamLengthAsync(_cluster.Events)));
        Assert.That(applier.GetProperty("pending").GetInt64(), Is.EqualTo(group.PendingMessageCount).And.EqualTo(2));
        Assert.That(applier.GetProperty("lag").GetInt64(), Is.EqualTo(group.Lag).And.EqualTo(1));
        Assert.That(applier.GetProperty("oldest_pending_id").GetString(), Is.EqualTo(_cluster.PendingIds[0]));
        Assert.That(applier.GetProperty("consumers")[0].GetProperty("name").GetString(), Is.EqualTo(SeededCluster.Consumer));
        Assert.That(streams.EnumerateArray().Single(s => s.GetProperty("key").GetString() == _cluster.DeadStream).GetProperty("length").GetInt64(), Is.EqualTo(1));
        Assert.That(JsonDocument.Parse(json).RootElement.GetProperty("healthy").GetBoolean(), Is.True);
    }

    [Test]
    public async Task Streams_exits_1_and_says_why_when_a_threshold_is_exceeded()
    {
        var (withinLimits, _, _) = await _cluster.RunAsync("streams", "--max-lag", "5", "--max-pending", "2", "--max-dead", "1", "--max-pending-age", "1h");
        var (tooMuchPending, table, _) = await _cluster.RunAsync("streams", "--max-pending", "1");
        var (tooManyDead, json, _) = await _cluster.RunAsync("streams", "--max-dead", "0", "--max-lag", "0", "--json");

        Assert.That(withinLimits, Is.EqualTo(ExitCodes.Ok));
        Assert.That(tooMuchPending, Is.EqualTo(ExitCodes.Unhealthy));
        Assert.That(table, Does.Contain("UNHEALTHY: group appliers: 2 pending > --max-pending 1"));
        Assert.That(tooManyDead, Is.EqualTo(ExitCodes.Unhealthy));
        var problems = JsonDocument.Parse(json).RootElement.GetProperty("problems").EnumerateArray().Select(p => p.GetString()).ToList();
        Assert.That(problems, Is.EqualTo(new[] { "group appliers: lag 1 > --max-lag 0", "1 dead letters > --max-dead 0" }));
    }

    [Test]
    public async Task Pending_lists_held_entries_with_consumer_deliveries_and_what_they_are()
    {
        var (exit, table, _) = await _cluster.RunAsync("pending");
        var (_, json, _) = await _cluster.RunAsync("pending", "--json");
        var (_, otherConsumer, _) = await _cluster.RunAsync("pending", "--consumer", "nobody");
        var (_, notIdleEnough, _) = await _cluster.RunAsync("pending", "--min-idle", "1h");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Row(table, _cluster.PendingIds[0]), Does.Contain($" {SeededCluster.Consumer} ").And.Contain(" 1 ").And.Contain("sandbox.create.requested"));
        Assert.That(Row(table, _cluster.PendingIds[1]), Does.Contain("sandbox.create.succeeded").And.Contain(_cluster.Running.ToString()));
        var entries = JsonDocument.Parse(json).RootElement.GetProperty("entries").EnumerateArray().ToList();
        Assert.That(entries.Select(e => e.GetProperty("id").GetString()), Is.EqualTo(_cluster.PendingIds));
        Assert.That(entries.Select(e => e.GetProperty("deliveries").GetInt64()), Is.All.EqualTo(1));
        Assert.That(entries.Select(e => e.GetProperty("sandbox_id").GetString()), Is.All.EqualTo(_cluster.Running.ToString()));
        Assert.That(otherConsumer.Trim(), Is.EqualTo("nothing pending"));
        Assert.That(notIdleEnough.Trim(), Is.EqualTo("nothing pending"));
    }

    [Test]
    public async Task Tail_prints_events_from_a_point_in_time_filtered_by_sandbox_and_type()
    {
        var (exit, table, _) = await _cluster.RunAsync("tail", "--since", "1h", "--count", "3");
        var (_, json, _) = await _cluster.RunAsync("tail", "--since", "1h", "--sandbox", _cluster.Running.ToString(), "--count", "2", "--json");
        var (_, byType, _) = await _cluster.RunAsync("tail", "--since", "1h", "--type", "sandbox.create.succeeded", "--count", "1");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Lines(table).Skip(1).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[4]), // entry, date, time, type, sandbox
            Is.EqualTo(new[] { _cluster.Running.ToString(), _cluster.Running.ToString(), _cluster.Stuck.ToString() }));
        var events = Lines(json).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.That(events.Select(e => e.GetProperty("type").GetString()), Is.EqualTo(new[] { "sandbox.create.requested", "sandbox.create.succeeded" }));
        Assert.That(events.Select(e => e.GetProperty("sandbox_id").GetString()), Is.All.EqualTo(_cluster.Running.ToString()));
        Assert.That(Lines(byType).Skip(1).Single(), Does.Contain("starting→running"));
    }

    [Test]
    public async Task Tail_prints_an_event_that_arrives_after_it_started()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        using var admin = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis + ",allowAdmin=true");
        var readsBefore = await RangeReadsAsync(admin);
        var tail = cluster.RunAsync("tail", "--type", "sandbox.exited", "--count", "1", "--json");
        // Its first XRANGE follows finding each partition's end: from then on, an added event is news to it.
        await Eventually.TrueAsync(async () => await RangeReadsAsync(admin) > readsBefore, TimeSpan.FromSeconds(10), "the tail polls the stream");
        Assert.That(tail.IsCompleted, Is.False, "nothing new yet: the seeded events are history to a tail without --since");
        await cluster.Db.StreamAddAsync(cluster.Events, [new NameValueEntry("type", "sandbox.exited"), new NameValueEntry("sandbox_id", cluster.Running.ToString())]);

        var (exit, json, _) = await tail.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(JsonDocument.Parse(json).RootElement.GetProperty("sandbox_id").GetString(), Is.EqualTo(cluster.Running.ToString()));
    }

    [Test]
    public async Task Dead_lists_letters_with_their_reason()
    {
        var (exit, table, _) = await _cluster.RunAsync("dead");
        var (_, json, _) = await _cluster.RunAsync("dead", "--json");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Row(table, _cluster.DeadLetterId), Does.Contain("unknown event type 'garbage'").And.Contain("garbage").And.Contain(" 1-1 ").And.Contain(" 3 "));
        var letter = JsonDocument.Parse(json).RootElement.GetProperty("letters").EnumerateArray().Single();
        Assert.That(letter.GetProperty("reason").GetString(), Is.EqualTo("unknown event type 'garbage'"));
        Assert.That(letter.GetProperty("source_id").GetString(), Is.EqualTo("1-1"));
        Assert.That(letter.GetProperty("event").GetProperty("type").GetString(), Is.EqualTo("garbage"));
    }

    [Test]
    public async Task Dead_replay_puts_a_letter_back_on_the_stream_and_removes_it()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var before = await cluster.Db.StreamLengthAsync(cluster.Events);

        var (exit, output, _) = await cluster.RunAsync("dead", "replay", cluster.DeadLetterId);
        var (missing, _, _) = await cluster.RunAsync("dead", "replay", cluster.DeadLetterId);
        var (neither, _, usage) = await cluster.RunAsync("dead", "replay");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok), output);
        Assert.That(output, Does.Contain("1 of 1 replayed"));
        Assert.That(await cluster.Db.StreamLengthAsync(cluster.DeadStream), Is.Zero);
        var replayed = (await cluster.Db.StreamRangeAsync(cluster.Events, "-", "+", 1, Order.Descending)).Single();
        Assert.That((replayed["type"].ToString(), await cluster.Db.StreamLengthAsync(cluster.Events)), Is.EqualTo(("garbage", before + 1)));
        Assert.That(replayed.Values.Select(v => v.Name.ToString()), Has.None.StartWith("dead_"));
        Assert.That(missing, Is.EqualTo(ExitCodes.NotFound));
        Assert.That((neither, usage), Is.EqualTo((ExitCodes.Usage, "give either a letter id or --all\nRun 'lifecyclectl --help' for usage.\n")));
    }

    [Test]
    public async Task Dead_replay_all_replays_every_letter()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var (exit, json, _) = await cluster.RunAsync("dead", "replay", "--all", "--json");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        var replayed = JsonDocument.Parse(json).RootElement.GetProperty("replayed").EnumerateArray().Single();
        Assert.That(replayed.GetProperty("outcome").GetString(), Is.EqualTo("replayed"));
        Assert.That(await cluster.Db.StreamLengthAsync(cluster.DeadStream), Is.Zero);
    }

    [Test]
    public async Task Sandbox_shows_the_row_its_history_its_stream_entries_and_dead_letters()
    {
        var id = _cluster.Running.ToString();
        var (exit, table, _) = await _cluster.RunAsync("sandbox", id);
        var (_, json, _) = await _cluster.RunAsync("sandbox", id, "--json");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(Row(table, $"{id} running 2 "), Does.Contain(_cluster.HostId.ToString()));
        Assert.That(table, Does.Contain("History (2 transitions, from Postgres):"));
        Assert.That(table, Does.Contain("On the events stream (2 entries):"));
        Assert.That(table, Does.Contain("Dead-lettered (1; see 'lifecyclectl dead'):"));
        var root = JsonDocument.Parse(json).RootElement;
        Assert.That(root.GetProperty("sandbox").GetProperty("status").GetString(), Is.EqualTo("running"));
        Assert.That(root.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("to_status").GetString()), Is.EqualTo(new[] { "starting", "running" }));
        Assert.That(root.GetProperty("on_stream").GetArrayLength(), Is.EqualTo(2));
        Assert.That(root.GetProperty("dead_letters").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task Sandbox_that_does_not_exist_exits_3()
    {
        var (exit, output, _) = await _cluster.RunAsync("sandbox", Guid.NewGuid().ToString());
        var (badId, _, error) = await _cluster.RunAsync("sandbox", "not-a-uuid");

        Assert.That(exit, Is.EqualTo(ExitCodes.NotFound));
        Assert.That(output, Does.Contain("no such row in Postgres"));
        Assert.That(badId, Is.EqualTo(ExitCodes.Usage));
        Assert.That(error, Does.Contain("not-a-uuid"));
    }

    [Test]
    public async Task Hosts_shows_status_heartbeat_age_and_sandboxes_by_status_and_exits_1_for_an_unreachable_host()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var (exit, table, _) = await cluster.RunAsync("hosts");
        var (_, json, _) = await cluster.RunAsync("hosts", "--json");
        await using (var conn = cluster.Database.DataSource.CreateConnection())
        {
            await Dapper.SqlMapper.ExecuteAsync(conn, "UPDATE hosts SET status = 'unreachable'");
        }
        var (unreachable, after, _) = await cluster.RunAsync("hosts");

        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        var row = Row(table, cluster.HostName);
        Assert.That(row, Does.Contain(" online ").And.Contain("http://127.0.0.1:1"));
        var host = JsonDocument.Parse(json).RootElement.GetProperty("hosts").EnumerateArray().Single();
        Assert.That(host.GetProperty("sandboxes").GetProperty("running").GetInt64(), Is.EqualTo(1));
        Assert.That(host.GetProperty("sandboxes").GetProperty("starting").GetInt64(), Is.EqualTo(1));
        Assert.That(host.GetProperty("heartbeat_age_ms").GetInt64(), Is.GreaterThanOrEqualTo(0));
        Assert.That(unreachable, Is.EqualTo(ExitCodes.Unhealthy));
        Assert.That(Row(after, cluster.HostName), Does.Contain(" unreachable "));
    }

    [Test]
    public async Task Stuck_lists_sandboxes_unsettled_for_longer_than_the_threshold_and_exits_1()
    {
        var (exit, table, _) = await _cluster.RunAsync("stuck");
        var (_, json, _) = await _cluster.RunAsync("stuck", "--older-than", "2m", "--json");
        var (calm, quiet, _) = await _cluster.RunAsync("stuck", "--older-than", "1h");

        Assert.That(exit, Is.EqualTo(ExitCodes.Unhealthy));
        Assert.That(Row(table, _cluster.Stuck.ToString()), Does.Contain(" starting ").And.Contain(" 10m"));
        Assert.That(table, Does.Not.Contain(_cluster.Running.ToString()));
        var stuck = JsonDocument.Parse(json).RootElement.GetProperty("sandboxes").EnumerateArray().Single();
        Assert.That(stuck.GetProperty("id").GetString(), Is.EqualTo(_cluster.Stuck.ToString()));
        Assert.That((calm, quiet.Trim()), Is.EqualTo((ExitCodes.Ok, "no sandbox has been transient or missing for more than 1h00m")));
    }

    [Test]
    public async Task Reconcile_reaches_the_listening_owners_and_exits_5_when_no_owner_listens()
    {
        var (nobody, said, _) = await _cluster.RunAsync("reconcile");
        var heard = new TaskCompletionSource<string>();
        var channel = RedisChannel.Literal($"{_cluster.Prefix}lifecycle:reconcile");
        await _cluster.Redis.GetSubscriber().SubscribeAsync(channel, (_, message) => heard.TrySetResult(message.ToString()));
        var host = Guid.NewGuid();
        var (exit, json, _) = await _cluster.RunAsync("reconcile", "--host", host.ToString(), "--json");
        await _cluster.Redis.GetSubscriber().UnsubscribeAsync(channel);

        Assert.That(nobody, Is.EqualTo(ExitCodes.NobodyListening));
        Assert.That(said, Does.Contain("no replica runs the HostMonitor at the moment"));
        Assert.That(exit, Is.EqualTo(ExitCodes.Ok));
        Assert.That(await heard.Task.WaitAsync(TimeSpan.FromSeconds(5)), Is.EqualTo(host.ToString()));
        Assert.That(JsonDocument.Parse(json).RootElement.GetProperty("owner_heard").GetBoolean(), Is.True);
    }

    [Test]
    public async Task An_unreachable_redis_exits_4_with_where_it_looked()
    {
        var port = LocalServers.FreePort();
        var (exit, _, error) = await _cluster.RunAsync("streams", "--redis", $"127.0.0.1:{port},connectTimeout=500,syncTimeout=500,asyncTimeout=500");

        Assert.That(exit, Is.EqualTo(ExitCodes.Unreachable));
        Assert.That(error, Does.StartWith($"cannot reach Redis at 127.0.0.1:{port}"));
    }

    [Test]
    public async Task An_unreachable_postgres_exits_4_with_where_it_looked()
    {
        var port = LocalServers.FreePort();
        var (exit, _, error) = await _cluster.RunAsync("stuck", "--postgres", $"Host=127.0.0.1;Port={port};Username=lifecycle;Database=lifecycle;Timeout=2");

        Assert.That(exit, Is.EqualTo(ExitCodes.Unreachable));
        Assert.That(error, Does.StartWith($"cannot reach Postgres at 127.0.0.1:{port}/lifecycle"));
    }

    /// <summary>The first line holding every fragment, with runs of spaces squeezed to one.</summary>
    // Fragments match whole words: a consumer named "c1" must not find a row whose random stream key
    // happens to hold "c1" somewhere in its hex.
    private static string Row(string table, params string[] fragments) =>
        Lines(table).Select(l => string.Join(' ', l.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            .FirstOrDefault(l => fragments.All(f => $" {l} ".Contains($" {f.Trim()} ", StringComparison.Ordinal)))
        ?? throw new AssertionException($"no line holds {string.Join(", ", fragments)}:\n{table}");

    private static IEnumerable<string> Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r'));

    /// <summary>How many XRANGE calls the test Redis has served (tests run one at a time); INFO needs an admin connection.</summary>
    private static async Task<long> RangeReadsAsync(ConnectionMultiplexer admin)
    {
        var stats = await admin.GetServer(admin.GetEndPoints()[0]).InfoAsync("commandstats");
        var xrange = stats.SelectMany(group => group).FirstOrDefault(stat => stat.Key == "cmdstat_xrange").Value;
        // "calls=12,usec=…"; absent until the first call.
        return xrange is null ? 0 : long.Parse(xrange.Split(',')[0]["calls=".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
