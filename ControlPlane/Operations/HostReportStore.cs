using Dapper;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>Owns <c>host_reports</c>: the newest report (by the host's sequence) per host and sandbox.</summary>
public sealed class HostReportStore(NpgsqlDataSource dataSource)
{
    static HostReportStore() => DapperMapping.Apply();

    public enum Outcome
    {
        /// <summary>Newer than anything the host said of this sandbox before.</summary>
        New,

        /// <summary>The newest report again (a retry): publish again, the version fence makes it harmless.</summary>
        Duplicate,

        /// <summary>Older than a report already received: it must not undo what the newer one did.</summary>
        Stale,
    }

    public async Task<Outcome> RecordAsync(Guid hostId, Guid sandboxId, long sequence, Guid eventId, CancellationToken ct)
    {
        const string sql = """
            WITH up AS (
                INSERT INTO host_reports (host_id, sandbox_id, sequence, event_id)
                VALUES (@HostId, @SandboxId, @Sequence, @EventId)
                ON CONFLICT (host_id, sandbox_id) DO UPDATE
                   SET sequence = EXCLUDED.sequence, event_id = EXCLUDED.event_id, received_at = now()
                 WHERE host_reports.sequence < EXCLUDED.sequence
                RETURNING 'new'::text AS outcome
            )
            SELECT outcome FROM up
            UNION ALL
            SELECT CASE WHEN r.event_id = @EventId THEN 'duplicate' ELSE 'stale' END
              FROM host_reports r
             WHERE r.host_id = @HostId AND r.sandbox_id = @SandboxId AND NOT EXISTS (SELECT 1 FROM up)
            """;
        await using var conn = dataSource.CreateConnection();
        var outcome = await conn.QuerySingleAsync<string>(new CommandDefinition(sql, new
        {
            HostId = hostId,
            SandboxId = sandboxId,
            Sequence = sequence,
            EventId = eventId,
        }, cancellationToken: ct));
        return outcome switch
        {
            "new" => Outcome.New,
            "duplicate" => Outcome.Duplicate,
            _ => Outcome.Stale,
        };
    }
}
