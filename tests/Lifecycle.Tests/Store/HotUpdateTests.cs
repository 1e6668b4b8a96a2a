using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.Tests.Store;

/// <summary>
/// A status change writes no index entry (decision 0001): with every index on <c>sandboxes</c> in place, the listing
/// filters' included (014_list_filters.sql), Postgres counts the transitions that keep the time to live as HOT updates.
/// </summary>
public sealed class HotUpdateTests
{
    private const int Sandboxes = 200;

    /// <summary>
    /// An index naming a column one of the two steps writes would make that step's every update non-HOT: half of them
    /// at most would be HOT. All of them are, but for a few: a HOT update also needs room on its page, made by pruning
    /// the row's earlier version, and pruning is skipped while another process pins the page (the background writer
    /// or the checkpointer flushing it, which a loaded machine does often) or a snapshot can still see that version.
    /// Such misses, up to 6 in 400 under CI's load, depend on the machine, not on the schema.
    /// </summary>
    private const double MostOf = 0.9;

    [Test]
    public async Task Moving_sandboxes_from_starting_to_running_and_on_to_pausing_is_HOT()
    {
        await using var database = await TestDatabase.CreateAsync();
        var store = new SandboxStore(database.DataSource);
        await using (var setup = await database.DataSource.OpenConnectionAsync())
        {
            await StopAutovacuumAsync(setup);
        }
        var (teamId, _) = await TestData.TeamAndHostAsync(database, "hot", "hot-key");
        var rows = new List<SandboxRow>();
        for (var i = 0; i < Sandboxes; i++)
        {
            rows.Add(await TestData.CreateStartingAsync(store, teamId));
        }
        await using var conn = await database.DataSource.OpenConnectionAsync();
        var (updatesBefore, hotBefore) = await UpdateCountsAsync(conn);

        var now = DateTimeOffset.UtcNow;
        foreach (var row in rows)
        {
            var running = await store.TryTransitionAsync(new TransitionWrite(StateEvent.OperationOutcome(SandboxOperation.Create, row, null, null, now), null),
                CancellationToken.None, conn);
            Assert.That(await store.TryTransitionAsync(new TransitionWrite(StateEvent.Requested(SandboxOperation.Pause, running!, "test", null, now), now.AddMinutes(1)),
                CancellationToken.None, conn), Is.Not.Null);
        }
        var (updatesAfter, hotAfter) = await UpdateCountsAsync(conn);

        TestContext.Out.WriteLine($"{updatesAfter - updatesBefore} updates, {hotAfter - hotBefore} of them HOT");
        Assert.That(updatesAfter - updatesBefore, Is.EqualTo(2 * Sandboxes));
        Assert.That(hotAfter - hotBefore, Is.GreaterThanOrEqualTo(MostOf * 2 * Sandboxes), "HOT: no index names a column they write");
    }


    /// <summary>
    /// Fewer pruning misses: an autovacuum ANALYZE, started by the seeding's inserts, holds a snapshot in the database
    /// while it runs, and no earlier version it can see is pruned meanwhile. So nothing but this test runs in its database.
    /// </summary>
    private static Task StopAutovacuumAsync(NpgsqlConnection conn) =>
        conn.ExecuteAsync("""
            DO $$
            DECLARE t regclass;
            BEGIN
                FOR t IN SELECT oid FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace LOOP
                    EXECUTE format('ALTER TABLE %s SET (autovacuum_enabled = false)', t);
                END LOOP;
            END $$
            """);

    /// <summary>The table's update counts, with this connection's own updates flushed to the statistics first.</summary>
    private static async Task<(long Updates, long Hot)> UpdateCountsAsync(NpgsqlConnection conn)
    {
        await conn.ExecuteAsync("SELECT pg_stat_force_next_flush()");
        // The flush happens at the end of this next transaction; the read after it sees it.
        await conn.ExecuteAsync("SELECT 1");
        return await conn.QuerySingleAsync<(long, long)>("SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'sandboxes'");
    }
}
