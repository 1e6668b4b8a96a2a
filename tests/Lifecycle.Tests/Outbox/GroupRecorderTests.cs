using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.Tests.Outbox;

/// <summary>
/// Events recorded on their own by concurrent callers (outcomes) share statements and commits; each caller still
/// returns only once its own records have committed, and a failure reaches exactly the callers it concerns.
/// </summary>
public sealed class GroupRecorderTests
{
    [Test]
    public async Task Concurrent_callers_share_commits_and_each_returns_with_its_records_committed()
    {
        await using var database = await TestDatabase.CreateAsync();
        var recorder = new GroupRecorder(new OutboxStore(database.DataSource));
        var events = Enumerable.Range(0, 300).Select(_ => Event()).ToList();

        var recordings = events.Select(e => recorder.RecordAsync([new OutboxRecord(e, 0)], CancellationToken.None)).ToList();
        var results = await Task.WhenAll(recordings);

        for (var i = 0; i < events.Count; i++)
        {
            Assert.That(results[i].ContainsKey(events[i].EventId), $"caller {i} is answered for its own event");
        }
        await using var conn = await database.DataSource.OpenConnectionAsync();
        var (rows, transactions) = await conn.QuerySingleAsync<(long, long)>(
            "SELECT count(*), count(DISTINCT xmin::text) FROM event_outbox WHERE event_id = ANY(@Ids)", new { Ids = events.Select(e => e.EventId).ToArray() });
        Assert.That(rows, Is.EqualTo(events.Count), "every caller's event is recorded");
        Assert.That(transactions, Is.LessThan(events.Count / 10), "300 callers at once were written by a few transactions, not one each");
    }

    [Test]
    public async Task An_event_the_statement_refuses_fails_its_own_caller_alone()
    {
        await using var database = await TestDatabase.CreateAsync();
        var recorder = new GroupRecorder(new OutboxStore(database.DataSource));
        // A NUL character cannot be stored in jsonb: the whole multi-row statement is refused.
        var refused = Event() with { Error = "host said \u0000" };
        var others = Enumerable.Range(0, 50).Select(_ => Event()).ToList();

        var recordings = others.Take(25).Append(refused).Concat(others.Skip(25))
            .Select(e => (e, recorder.RecordAsync([new OutboxRecord(e, 0)], CancellationToken.None))).ToList();

        foreach (var (e, recording) in recordings)
        {
            if (e == refused)
            {
                Assert.That(async () => await recording, Throws.InstanceOf<PostgresException>(), "the refused event's caller hears why");
            }
            else
            {
                Assert.That((await recording).ContainsKey(e.EventId), "the others are recorded");
            }
        }
        Assert.That(await CountAsync(database, others), Is.EqualTo(others.Count));
    }

    /// <summary>Postgres stopped: every waiting caller fails (and retries, as outcomes do); none is told it recorded.</summary>
    [Test]
    public async Task With_Postgres_stopped_every_caller_fails_and_their_retries_record_each_event_once()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var database = await TestDatabase.CreateAsync(servers.Postgres);
        var recorder = new GroupRecorder(new OutboxStore(database.DataSource));
        var events = Enumerable.Range(0, 100).Select(_ => Event()).ToList();
        await servers.StopAsync("postgres");

        var failed = 0;
        foreach (var recording in events.Select(e => recorder.RecordAsync([new OutboxRecord(e, 0)], CancellationToken.None)).ToList())
        {
            try
            {
                await recording;
            }
            catch (NpgsqlException)
            {
                failed++;
            }
        }
        Assert.That(failed, Is.EqualTo(events.Count), "no caller is told its event is recorded while Postgres is down");

        await servers.StartAgainAsync();
        NpgsqlConnection.ClearAllPools();
        // Each caller tries again, as an outcome's recording does; half of them twice (a retry after an ambiguous failure).
        await Task.WhenAll(events.Concat(events.Take(50)).Select(e => recorder.RecordAsync([new OutboxRecord(e, 0)], CancellationToken.None)));
        Assert.That(await CountAsync(database, events), Is.EqualTo(events.Count), "each event recorded exactly once");
    }

    private static async Task<long> CountAsync(TestDatabase database, IEnumerable<StateEvent> events)
    {
        await using var conn = await database.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<long>("SELECT count(*) FROM event_outbox WHERE event_id = ANY(@Ids)", new { Ids = events.Select(e => e.EventId).ToArray() });
    }

    private static StateEvent Event() =>
        new(Guid.CreateVersion7(), EventTypes.PauseSucceeded, Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(),
            SandboxStatus.Pausing, SandboxStatus.Paused, 3, Actors.Operation, "test", null, DateTimeOffset.UtcNow);
}
