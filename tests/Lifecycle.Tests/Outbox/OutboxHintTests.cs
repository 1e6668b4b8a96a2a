using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Outbox;

/// <summary>
/// The outbox's hints (a mark, a recheck's "still there" or "lost") never wait for a row the appliers are removing:
/// an applier's delete and a many-row update that waited for each other's rows, locked in orders of their own, ended
/// in deadlocks under load, one side's transaction rolled back.
/// </summary>
public sealed class OutboxHintTests
{
    [Test]
    public async Task Marks_and_rechecks_skip_a_row_being_removed_and_write_the_rest_without_waiting()
    {
        await using var database = await TestDatabase.CreateAsync();
        var store = new OutboxStore(database.DataSource);
        var (removing, kept, lost) = (Event(), Event(), Event());
        await store.RecordAsync([new OutboxRecord(removing, 0), new OutboxRecord(kept, 0), new OutboxRecord(lost, 0)], CancellationToken.None);
        await store.MarkSentAsync([(lost.EventId, "1-1")], CancellationToken.None);

        // An applier's transaction, mid-way: it has deleted one row and not committed yet.
        await using var applier = await database.DataSource.OpenConnectionAsync();
        await using var applying = await applier.BeginTransactionAsync();
        await store.RemoveAsync([removing.EventId], CancellationToken.None, applier, applying);

        using var noWaiting = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await store.MarkSentAsync([(removing.EventId, "2-1"), (kept.EventId, "2-2")], noWaiting.Token);
        await store.SeenOnStreamAsync([removing.EventId, kept.EventId], noWaiting.Token);
        await store.LostFromStreamAsync([removing.EventId, lost.EventId], noWaiting.Token);

        Assert.That(await StreamIdAsync(database, kept.EventId), Is.EqualTo("2-2"), "the free row is marked");
        Assert.That(await StreamIdAsync(database, lost.EventId), Is.Null, "the lost one is unsent again");
        await applying.RollbackAsync();
        Assert.That(await StreamIdAsync(database, removing.EventId), Is.Null, "the row being removed was left alone");
    }

    private static StateEvent Event() =>
        new(Guid.CreateVersion7(), EventTypes.AutoPaused, Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(),
            SandboxStatus.Running, SandboxStatus.Paused, 2, Actors.HostMonitor, "test", null, DateTimeOffset.UtcNow);

    private static async Task<string?> StreamIdAsync(TestDatabase database, Guid eventId)
    {
        await using var conn = await database.DataSource.OpenConnectionAsync();
        return await conn.QuerySingleAsync<string?>("SELECT stream_id FROM event_outbox WHERE event_id = @eventId", new { eventId });
    }
}
