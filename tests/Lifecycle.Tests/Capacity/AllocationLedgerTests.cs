using Dapper;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Capacity;

/// <summary>
/// The hosts' allocation ledger (<c>host_allocations</c>, sql/019): whatever writes sandboxes, however many at once,
/// and whenever it is folded, every host's total is what its holding sandboxes take, in every snapshot.
/// </summary>
public sealed class AllocationLedgerTests
{
    [Test]
    public async Task Concurrent_batches_deletes_and_folds_never_let_a_hosts_total_differ_from_its_holding_sandboxes()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (teamId, _) = await TestData.TeamAndHostAsync(database, "ledger", "ledger-key");
        for (var i = 0; i < 3; i++)
        {
            await TestData.OnlineHostAsync(database, $"ledger-host-{i}", "http://127.0.0.1:1");
        }
        var store = new SandboxStore(database.DataSource);
        var ids = new List<Guid>();
        for (var i = 0; i < 200; i++)
        {
            ids.Add((await TestData.CreateStartingAsync(store, teamId)).Id);
        }
        var hostIds = (await database.DataSource.CreateConnection().QueryAsync<Guid>("SELECT id FROM hosts")).ToArray();
        var statuses = Enum.GetValues<SandboxStatus>().Select(s => s.ToWire()).ToArray();

        using var stop = new CancellationTokenSource();
        // Batches like the appliers': many sandboxes moved in one statement, in whatever order, on several connections;
        // sizes and hosts changed in place; rows deleted and put back.
        var writers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            var random = new Random(w);
            // Each writer its own sandboxes, as each partition's applier has: writers that shared rows would deadlock
            // on them, whatever the ledger does.
            var own = ids.Where((_, i) => i % 6 == w).ToArray();
            await using var conn = await database.DataSource.OpenConnectionAsync();
            for (var round = 0; round < 150; round++)
            {
                var batch = own.OrderBy(_ => random.Next()).Take(20).ToArray();
                var moves = batch.Select(_ => statuses[random.Next(statuses.Length)]).ToArray();
                switch (round % 10)
                {
                    case 7:
                        await conn.ExecuteAsync("UPDATE sandboxes SET vcpus = @Vcpus, memory_mb = @Memory WHERE id = ANY(@Ids)",
                            new { Vcpus = random.Next(1, 9), Memory = random.Next(1, 9) * 512, Ids = batch[..5] });
                        break;
                    case 8:
                        await conn.ExecuteAsync("UPDATE sandboxes SET host_id = @HostId WHERE id = ANY(@Ids)",
                            new { HostId = hostIds[random.Next(hostIds.Length)], Ids = batch[..5] });
                        break;
                    case 9:
                        await using (var tx = await conn.BeginTransactionAsync())
                        {
                            // Deleted and put back in one transaction, as it was.
                            await conn.ExecuteAsync("CREATE TEMP TABLE IF NOT EXISTS kept (LIKE sandboxes INCLUDING DEFAULTS) ON COMMIT DELETE ROWS", transaction: tx);
                            await conn.ExecuteAsync("INSERT INTO kept SELECT * FROM sandboxes WHERE id = @Id", new { Id = batch[0] }, tx);
                            await conn.ExecuteAsync("DELETE FROM sandboxes WHERE id = @Id", new { Id = batch[0] }, tx);
                            await conn.ExecuteAsync($"INSERT INTO sandboxes ({Columns}) SELECT {Columns} FROM kept", transaction: tx);
                            await tx.CommitAsync();
                        }
                        break;
                    default:
                        await conn.ExecuteAsync("""
                            UPDATE sandboxes s SET status = m.status
                              FROM unnest(@Ids, @Statuses) AS m(id, status) WHERE s.id = m.id
                            """, new { Ids = batch, Statuses = moves });
                        break;
                }
            }
        })).ToArray();
        var folds = 0;
        var folders = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                if (await HostAllocations.FoldAsync(database.DataSource, CancellationToken.None) is not null)
                {
                    Interlocked.Increment(ref folds);
                }
            }
        })).ToArray();
        var disagreements = new List<LedgerAudit>();
        var readings = 0;
        var reader = Task.Run(async () =>
        {
            await using var conn = await database.DataSource.OpenConnectionAsync();
            while (!stop.IsCancellationRequested)
            {
                disagreements.AddRange((await conn.QueryAsync<LedgerAudit>(HostAllocations.AuditSql)).Where(c => !c.Agrees));
                readings++;
            }
        });

        await Task.WhenAll(writers);
        await stop.CancelAsync();
        await Task.WhenAll([.. folders, reader]);

        Assert.That(disagreements, Is.Empty, "every snapshot read during the writes and folds agrees");
        Assert.That(readings, Is.GreaterThan(10), "the totals were read while the writers ran");
        Assert.That(folds, Is.GreaterThan(0), "the ledger was folded while the writers ran");
        await HostAllocations.FoldAsync(database.DataSource, CancellationToken.None);
        await using var after = await database.DataSource.OpenConnectionAsync();
        var comparisons = (await after.QueryAsync<LedgerAudit>(HostAllocations.AuditSql)).ToList();
        Assert.That(comparisons.Where(c => !c.Agrees), Is.Empty);
        Assert.That(comparisons.Sum(c => c.Sandboxes), Is.GreaterThan(0), "some sandboxes hold a share at the end");
        var rowsPerHost = await after.QueryAsync<long>("SELECT count(*) FROM host_allocations GROUP BY host_id");
        Assert.That(rowsPerHost, Is.All.EqualTo(1), "a fold leaves one row per host that holds anything");
    }

    [Test]
    public async Task The_migration_opens_the_ledger_with_what_the_sandboxes_already_hold_and_a_second_run_changes_nothing()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (teamId, _) = await TestData.TeamAndHostAsync(database, "opening", "opening-key");
        var store = new SandboxStore(database.DataSource);
        for (var i = 0; i < 12; i++)
        {
            await TestData.CreateStartingAsync(store, teamId);
        }
        await using var conn = await database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE sandboxes SET status = 'paused' WHERE id IN (SELECT id FROM sandboxes ORDER BY id LIMIT 5)");
        // As if these sandboxes were written before the ledger existed.
        await conn.ExecuteAsync("DELETE FROM host_allocations");
        var migration = Migrator.Embedded.Single(m => m.Name.Contains("host_allocations", StringComparison.Ordinal));

        foreach (var run in new[] { "first", "second" })
        {
            await using (var tx = await conn.BeginTransactionAsync())
            {
                await conn.ExecuteAsync(migration.Sql, transaction: tx);
                await tx.CommitAsync();
            }
            var comparison = (await conn.QueryAsync<LedgerAudit>(HostAllocations.AuditSql)).Single();
            Assert.That(comparison, Is.EqualTo(comparison with { LedgerSandboxes = 7, LedgerVcpus = 7, LedgerMemoryMb = 7 * 512 }),
                $"{run} run: the 7 starting sandboxes, not the 5 paused");
            Assert.That(comparison.Agrees);
        }
    }

    private const string Columns = "id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec, on_timeout, "
        + "max_lifetime_sec, lifetime_ends_at, expires_at, metadata, operation_deadline, created_at, updated_at";
}
