using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.Bench;

/// <summary>
/// What one waiting event costs Postgres: rows shaped as the outbox holds them (an operation's outcome, the stream
/// fields as JSON) written to a copy of <c>event_outbox</c> with its indexes, and the copy's whole size (heap, TOAST
/// and indexes) divided by the rows. A copy, so no relay of the running control plane sends them.
/// </summary>
public static class OutboxFootprint
{
    public static async Task<double> BytesPerRowAsync(NpgsqlDataSource dataSource, int rows = 20_000)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("DROP TABLE IF EXISTS bench_outbox_footprint; CREATE TABLE bench_outbox_footprint (LIKE event_outbox INCLUDING ALL)");
        try
        {
            var teamId = Guid.CreateVersion7();
            var hostId = Guid.CreateVersion7();
            foreach (var chunk in Enumerable.Range(0, rows).Chunk(5_000))
            {
                var records = chunk.Select(_ => new OutboxRecord(new StateEvent(Guid.CreateVersion7(), EventTypes.CreateSucceeded, Guid.CreateVersion7(), teamId, hostId,
                    SandboxStatus.Starting, SandboxStatus.Running, 0, Actors.Operation, null, null, DateTimeOffset.UtcNow), 0)).ToList();
                await conn.ExecuteAsync("""
                    INSERT INTO bench_outbox_footprint (event_id, sandbox_id, partition, fields)
                    SELECT * FROM unnest(@EventIds, @SandboxIds, @Partitions, @Fields::jsonb[])
                    """, new
                {
                    EventIds = records.Select(r => r.Event.EventId).ToArray(),
                    SandboxIds = records.Select(r => r.Event.SandboxId).ToArray(),
                    Partitions = records.Select(r => r.Partition).ToArray(),
                    Fields = records.Select(r => r.FieldsJson).ToArray(),
                });
            }
            await conn.ExecuteAsync("VACUUM ANALYZE bench_outbox_footprint");
            var bytes = await conn.ExecuteScalarAsync<long>("SELECT pg_total_relation_size('bench_outbox_footprint')");
            return (double)bytes / rows;
        }
        finally
        {
            await conn.ExecuteAsync("DROP TABLE IF EXISTS bench_outbox_footprint");
        }
    }
}
