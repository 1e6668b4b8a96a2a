using Dapper;
using Lifecycle.Core.Events;
using Lifecycle.Core.Sandboxes;
using Npgsql;

namespace Lifecycle.Core.Store;

/// <summary>Owns the <c>sandboxes</c> table; every status write is a compare-and-set that records history.</summary>
public sealed class SandboxStore(NpgsqlDataSource dataSource)
{
    static SandboxStore() => DefaultTypeMap.MatchNamesWithUnderscores = true;

    /// <summary>
    /// Inserts a <c>starting</c> sandbox on the online host with the fewest active sandboxes and
    /// records its create event, in one statement. Returns null when no host is online, or when the
    /// team already used the idempotency key (see <see cref="FindByIdempotencyKeyAsync"/>).
    /// </summary>
    public async Task<SandboxRow?> CreateOnLeastLoadedHostAsync(
        NewSandbox sandbox, StateEvent created, DateTimeOffset deadline, CancellationToken ct)
    {
        const string sql = $"""
            WITH chosen AS (
                SELECT h.id
                  FROM hosts h
                 WHERE h.status = 'online'
                 ORDER BY (SELECT count(*) FROM sandboxes a WHERE a.host_id = h.id AND a.status <> 'stopped'), h.id
                 LIMIT 1
            ), s AS (
                INSERT INTO sandboxes (id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec,
                                       metadata, operation_deadline, idempotency_key, created_at, updated_at)
                SELECT @Id, @TeamId, chosen.id, @To, @Version + 1, @Template, @Vcpus, @MemoryMb, @TimeoutSec,
                       @MetadataJson::jsonb, @Deadline, @IdempotencyKey, @At, @At
                  FROM chosen
                ON CONFLICT (team_id, idempotency_key) DO NOTHING
                RETURNING *
            ), recorded AS (
                INSERT INTO sandbox_transitions (event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at)
                SELECT @EventId, s.id, @Type, NULL, @To, @Version, @Actor, @Reason, NULL, @At FROM s
            )
            SELECT {SandboxRow.Columns} FROM s JOIN hosts h ON h.id = s.host_id
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<SandboxRow>(new CommandDefinition(sql, new
        {
            sandbox.Id,
            sandbox.TeamId,
            sandbox.Template,
            sandbox.Vcpus,
            sandbox.MemoryMb,
            sandbox.TimeoutSec,
            sandbox.MetadataJson,
            sandbox.IdempotencyKey,
            Deadline = deadline.UtcDateTime,
            created.EventId,
            created.Type,
            To = created.To.ToWire(),
            created.Version,
            created.Actor,
            created.Reason,
            At = created.At.UtcDateTime,
        }, cancellationToken: ct)).ConfigureAwait(false);
    }

    public async Task<SandboxRow?> FindByIdempotencyKeyAsync(Guid teamId, string idempotencyKey, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE s.team_id = @TeamId AND s.idempotency_key = @IdempotencyKey
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<SandboxRow>(
            new CommandDefinition(sql, new { TeamId = teamId, IdempotencyKey = idempotencyKey }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A team's sandbox; another team's is indistinguishable from a missing one.</summary>
    public async Task<SandboxRow?> GetAsync(Guid teamId, Guid id, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE s.id = @Id AND s.team_id = @TeamId
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<SandboxRow>(
            new CommandDefinition(sql, new { Id = id, TeamId = teamId }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>A page of a team's sandboxes, newest first; <paramref name="before"/> is the last id of the previous page.</summary>
    public async Task<IReadOnlyList<SandboxRow>> ListAsync(
        Guid teamId, SandboxStatus? status, Guid? before, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE s.team_id = @TeamId
               AND (@Status::text IS NULL OR s.status = @Status::text)
               AND (@Before::uuid IS NULL OR s.id < @Before::uuid)
             ORDER BY s.id DESC
             LIMIT @Limit
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<SandboxRow>(new CommandDefinition(sql, new
        {
            TeamId = teamId,
            Status = status?.ToWire(),
            Before = before,
            Limit = limit,
        }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>
    /// Applies one transition as a compare-and-set on (id, status, version) and records it in
    /// history, in one statement. Returns the new row, or null when the fence did not hold (a
    /// stale event, or one already applied): nothing is written then.
    /// <paramref name="deadline"/> is the new operation deadline; null clears it.
    /// </summary>
    public async Task<SandboxRow?> TryTransitionAsync(
        StateEvent e, DateTimeOffset? deadline, CancellationToken ct, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = $"""
            WITH s AS (
                UPDATE sandboxes
                   SET status = @To,
                       version = version + 1,
                       updated_at = now(),
                       operation_deadline = @Deadline,
                       last_error = COALESCE(@Error, last_error),
                       started_at = CASE WHEN @To = 'running' THEN COALESCE(started_at, now()) ELSE started_at END
                 WHERE id = @SandboxId AND status = @From AND version = @Version
                   AND NOT EXISTS (SELECT 1 FROM sandbox_transitions WHERE event_id = @EventId)
                RETURNING *
            ), recorded AS (
                INSERT INTO sandbox_transitions (event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at)
                SELECT @EventId, s.id, @Type, @From, @To, @Version, @Actor, @Reason, @Error, @At FROM s
            )
            SELECT {SandboxRow.Columns} FROM s LEFT JOIN hosts h ON h.id = s.host_id
            """;
        var command = new CommandDefinition(sql, new
        {
            e.EventId,
            e.Type,
            e.SandboxId,
            From = e.From.ToWire(),
            To = e.To.ToWire(),
            e.Version,
            e.Actor,
            e.Reason,
            e.Error,
            At = e.At.UtcDateTime,
            Deadline = deadline?.UtcDateTime,
        }, transaction, cancellationToken: ct);
        if (connection is not null)
        {
            return await connection.QuerySingleOrDefaultAsync<SandboxRow>(command).ConfigureAwait(false);
        }
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<SandboxRow>(command).ConfigureAwait(false);
    }
}
