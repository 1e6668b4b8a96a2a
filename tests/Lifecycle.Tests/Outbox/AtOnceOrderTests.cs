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
/// The at-once sender against a real Redis and Postgres: a recording names its sandbox's events still unsent, the
/// sender appends an event at once only when each of those went out through it first, and marks what it appended a
/// moment later.
/// </summary>
public sealed class AtOnceOrderTests
{
    private TestDatabase _database = null!;
    private ConnectionMultiplexer _redis = null!;
    private StreamKeys _keys = null!;
    private OutboxStore _store = null!;
    private OutboxCounters _counters = null!;
    private AtOnceSender _sender = null!;
    private EventOutbox _outbox = null!;

    [SetUp]
    public async Task StartAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _redis = await ConnectionMultiplexer.ConnectAsync(TestServers.Redis);
        _keys = new StreamKeys(Options.Create(new StreamOptions { KeyPrefix = TestKeyPrefix.New() }));
        _store = new OutboxStore(_database.DataSource);
        _counters = new OutboxCounters();
        _sender = new AtOnceSender(_store, new EventPublisher(_redis, _keys), _counters,
            Options.Create(new OutboxOptions { MarkAfter = TimeSpan.FromMilliseconds(50) }), NullLogger<AtOnceSender>.Instance);
        await _sender.StartAsync(CancellationToken.None);
        _outbox = new EventOutbox(_store, _keys, _sender);
    }

    [TearDown]
    public async Task StopAsync()
    {
        await _sender.StopAsync(CancellationToken.None);
        _sender.Dispose();
        _counters.Dispose();
        await _redis.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Test]
    public async Task A_recording_names_the_sandbox_events_not_on_the_stream_yet_those_of_its_own_batch_included()
    {
        var sandbox = Guid.CreateVersion7();
        var first = Outcome(sandbox, 2);
        var unsentBefore = await _store.RecordAsync([_outbox.RecordOf(first)], CancellationToken.None);
        Assert.That(unsentBefore[first.EventId], Is.Empty, "nothing of its sandbox before it");

        var (second, third) = (Outcome(sandbox, 3), Outcome(sandbox, 4));
        var other = Outcome(Guid.CreateVersion7(), 2);
        unsentBefore = await _store.RecordAsync([.. new[] { second, other, third }.Select(_outbox.RecordOf)], CancellationToken.None);

        Assert.That(unsentBefore[second.EventId], Is.EquivalentTo(new[] { first.EventId }));
        Assert.That(unsentBefore[third.EventId], Is.EquivalentTo(new[] { first.EventId, second.EventId }), "the one ahead of it in the batch too");
        Assert.That(unsentBefore[other.EventId], Is.Empty, "another sandbox's events are not its");

        var again = await _store.RecordAsync([_outbox.RecordOf(first)], CancellationToken.None);
        Assert.That(again, Does.Not.ContainKey(first.EventId), "recorded already: left as it is, and named as nothing recorded now");
    }

    [Test]
    public async Task An_event_behind_one_the_sender_did_not_append_is_left_to_the_relay_and_one_behind_its_own_appends_goes_at_once()
    {
        var waiting = Guid.CreateVersion7();
        // Recorded by a sender that died before appending it: only the relay may send it, after the grace.
        var orphan = Outcome(waiting, 2);
        await _store.RecordAsync([_outbox.RecordOf(orphan)], CancellationToken.None);
        var behindOrphan = Outcome(waiting, 3);
        await _outbox.RecordAsync(behindOrphan, CancellationToken.None);

        var flowing = Guid.CreateVersion7();
        var (one, two) = (Outcome(flowing, 2), Outcome(flowing, 3));
        await _outbox.RecordAsync(one, CancellationToken.None);
        await _outbox.RecordAsync(two, CancellationToken.None);

        var stream = _keys.For(flowing).Events;
        var onStream = await Eventually.ValueAsync(async () => await EventIdsOnAsync(stream), ids => ids.Contains(two.EventId),
            TimeSpan.FromSeconds(10), "the second event of a sandbox whose first the sender appended");
        Assert.That(onStream.IndexOf(one.EventId), Is.GreaterThanOrEqualTo(0).And.LessThan(onStream.IndexOf(two.EventId)), "in recorded order");
        var everywhere = (await EventIdsOnAsync(_keys.For(waiting).Events)).Concat(onStream).ToList();
        Assert.That(everywhere, Does.Not.Contain(behindOrphan.EventId).And.Not.Contain(orphan.EventId),
            "neither the orphan nor the event behind it went out at once");

        // Marked a moment after the append: the relay will not send them again.
        await Eventually.TrueAsync(async () => await StreamIdOfAsync(two.EventId) is not null && await StreamIdOfAsync(one.EventId) is not null,
            TimeSpan.FromSeconds(10), "both appends marked");
        Assert.That(await StreamIdOfAsync(behindOrphan.EventId), Is.Null, "unsent, for the relay");
    }

    private static StateEvent Outcome(Guid sandboxId, long version) =>
        new(Guid.CreateVersion7(), EventTypes.AutoPaused, sandboxId, Guid.CreateVersion7(), Guid.CreateVersion7(),
            SandboxStatus.Running, SandboxStatus.Paused, version, Actors.HostMonitor, "test", null, DateTimeOffset.UtcNow);

    private async Task<List<Guid>> EventIdsOnAsync(string stream) =>
        [.. (await _redis.GetDatabase().StreamRangeAsync(stream)).Select(entry => Guid.Parse(entry[StreamFields.EventId].ToString()))];

    private async Task<string?> StreamIdOfAsync(Guid eventId)
    {
        await using var conn = await _database.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleOrDefaultAsync<string?>("SELECT stream_id FROM event_outbox WHERE event_id = @eventId", new { eventId });
    }
}
