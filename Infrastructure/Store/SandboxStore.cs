using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>Owns the <c>sandboxes</c> table; every status write is a compare-and-set that records history.</summary>
public sealed class SandboxStore(NpgsqlDataSource dataSource)
{
    static SandboxStore() => DapperMapping.Apply();

    /// <summary>
    /// Inserts a <c>starting</c> sandbox on <paramref name="hostId"/> and records its create event, in
    /// one statement. Returns null when that host is no longer online, or when the team already used
    /// the idempotency key (see <see cref="FindByIdempotencyKeyAsync"/>).
    /// </summary>
    public async Task<SandboxRow?> CreateOnHostAsync(
        Guid hostId, NewSandbox sandbox, StateEvent created, DateTimeOffset deadline, CancellationToken ct)
    {
        const string sql = $"""
            WITH chosen AS (
                SELECT h.id FROM hosts h WHERE h.id = @HostId AND h.status = ANY(@Placing)
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
            HostId = hostId,
            Placing = PlacingWire,
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
        }, cancellationToken: ct));
    }

    /// <summary>The host statuses that take new sandboxes (<see cref="HostStatuses.TakesPlacements"/>: online only).</summary>
    private static readonly string[] PlacingWire = [.. HostStatuses.All.Where(status => status.TakesPlacements()).Select(status => status.ToWire())];

    /// <summary>
    /// Every online host with its count of sandboxes that are not <c>stopped</c>: what placement
    /// balances on. It reads every such sandbox, so <see cref="Hosts.HostPlacement"/> runs it once per
    /// refresh interval, never per create.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, long>> ActiveSandboxesPerOnlineHostAsync(CancellationToken ct)
    {
        const string sql = $"""
            SELECT h.id, count(s.id)
              FROM hosts h LEFT JOIN sandboxes s ON s.host_id = h.id AND s.status <> '{SandboxStatusNames.Stopped}'
             WHERE h.status = ANY(@Placing)
             GROUP BY h.id
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<(Guid Host, long Active)>(new CommandDefinition(sql, new { Placing = PlacingWire }, cancellationToken: ct));
        return rows.ToDictionary(r => r.Host, r => r.Active);
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
            new CommandDefinition(sql, new { TeamId = teamId, IdempotencyKey = idempotencyKey }, cancellationToken: ct));
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
            new CommandDefinition(sql, new { Id = id, TeamId = teamId }, cancellationToken: ct));
    }

    /// <summary>
    /// Any sandbox by id, whatever its team: for host reports (checked against the sandbox's host
    /// instead) and for the on-call tool.
    /// </summary>
    public async Task<SandboxRow?> GetAnyTeamAsync(Guid id, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE s.id = @Id
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<SandboxRow>(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct));
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
        }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Sandboxes in a transient state or <c>missing</c> whose last change is older than
    /// <paramref name="olderThan"/>, longest-stuck first. A scan (no index mentions status, see
    /// 001_initial.sql), which an on-call query can afford and the hot path never runs.
    /// </summary>
    public async Task<IReadOnlyList<SandboxRow>> StuckAsync(TimeSpan olderThan, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE s.status = ANY(@Statuses) AND s.updated_at < now() - @OlderThan
             ORDER BY s.updated_at
             LIMIT @Limit
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<SandboxRow>(new CommandDefinition(sql, new
        {
            Statuses = SandboxStatuses.Unsettled.Select(st => st.ToWire()).ToArray(),
            OlderThan = olderThan,
            Limit = limit,
        }, cancellationToken: ct))).AsList();
    }

    /// <summary>How many sandboxes are in each status (a scan, for metrics at scrape time).</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct)
    {
        const string sql = "SELECT status, count(*) FROM sandboxes GROUP BY status";
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<(string Status, long Count)>(new CommandDefinition(sql, cancellationToken: ct));
        return rows.ToDictionary(r => r.Status, r => r.Count);
    }

    /// <summary>A host's sandboxes that are not stopped, as the HostMonitor compares them with what the host runs.</summary>
    public async Task<IReadOnlyList<HostedSandbox>> NotStoppedOnHostAsync(Guid hostId, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {HostedSandbox.Columns}
              FROM sandboxes s
             WHERE s.host_id = @HostId AND s.status <> '{SandboxStatusNames.Stopped}'
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostedSandbox>(new CommandDefinition(sql, new { HostId = hostId }, cancellationToken: ct))).AsList();
    }

    /// <summary>Sandboxes in one of <paramref name="statuses"/> on the hosts given.</summary>
    public async Task<IReadOnlyList<HostedSandbox>> OnHostsAsync(IReadOnlyCollection<Guid> hosts, IReadOnlyCollection<SandboxStatus> statuses, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {HostedSandbox.Columns}
              FROM sandboxes s
             WHERE s.host_id = ANY(@Hosts) AND s.status = ANY(@Statuses)
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostedSandbox>(new CommandDefinition(sql, new
        {
            Hosts = hosts.ToArray(),
            Statuses = statuses.Select(s => s.ToWire()).ToArray(),
        }, cancellationToken: ct))).AsList();
    }

    /// <summary>Sandboxes in one of <paramref name="statuses"/> on hosts whose status is <paramref name="hostStatus"/>.</summary>
    public async Task<IReadOnlyList<HostedSandbox>> OnHostsInStatusAsync(string hostStatus, IReadOnlyCollection<SandboxStatus> statuses, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {HostedSandbox.Columns}
              FROM sandboxes s JOIN hosts h ON h.id = s.host_id
             WHERE h.status = @HostStatus AND s.status = ANY(@Statuses)
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostedSandbox>(new CommandDefinition(sql, new
        {
            HostStatus = hostStatus,
            Statuses = statuses.Select(s => s.ToWire()).ToArray(),
        }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// The one compare-and-set statement, in two parts around what the update returns: every event
    /// in <c>e</c> moves its sandbox only if (id, status, version) still match, and writes its history
    /// row in the same statement. The version fence alone makes a redelivery harmless: once an event
    /// applied, the row's version has moved past the event's, so no second lookup of the event id is
    /// needed. At most one event per sandbox: a statement updates a row once, so callers apply a
    /// sandbox's later events in later statements.
    /// </summary>
    private const string TransitionUpdate = $"""
        WITH e AS (
            SELECT * FROM unnest(@EventIds, @Types, @SandboxIds, @Froms, @Tos, @Versions, @Actors, @Reasons, @Errors, @Ats, @Deadlines)
                AS e(event_id, type, sandbox_id, from_status, to_status, version, actor, reason, error, at, deadline)
        ), s AS (
            UPDATE sandboxes
               SET status = e.to_status,
                   version = sandboxes.version + 1,
                   updated_at = now(),
                   operation_deadline = e.deadline,
                   lost_from = CASE WHEN e.to_status = '{SandboxStatusNames.Missing}' THEN e.from_status END,
                   last_error = COALESCE(e.error, sandboxes.last_error),
                   started_at = CASE WHEN e.to_status = '{SandboxStatusNames.Running}' THEN COALESCE(sandboxes.started_at, now()) ELSE sandboxes.started_at END
              FROM e
             WHERE sandboxes.id = e.sandbox_id AND sandboxes.status = e.from_status AND sandboxes.version = e.version
            RETURNING e.event_id AS applied_event_id,
        """;

    private const string TransitionRecord = """

        ), recorded AS (
            INSERT INTO sandbox_transitions (event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at)
            SELECT e.event_id, e.sandbox_id, e.type, e.from_status, e.to_status, e.version, e.actor, e.reason, e.error, e.at
              FROM e JOIN s ON s.applied_event_id = e.event_id
        )
        """;

    /// <summary>
    /// Applies one transition (see <see cref="TransitionUpdate"/>). Returns the new row, or null when
    /// the fence did not hold (a stale event, or one already applied): nothing is written then.
    /// <paramref name="deadline"/> is the new operation deadline; null clears it.
    /// </summary>
    public async Task<SandboxRow?> TryTransitionAsync(StateEvent e, DateTimeOffset? deadline, CancellationToken ct)
    {
        const string sql = $"{TransitionUpdate} sandboxes.* {TransitionRecord} SELECT {SandboxRow.Columns} FROM s LEFT JOIN hosts h ON h.id = s.host_id";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<SandboxRow>(
            new CommandDefinition(sql, TransitionParameters([e], [deadline]), cancellationToken: ct));
    }

    /// <summary>
    /// Applies many transitions, at most one per sandbox, in one statement (see <see cref="TransitionUpdate"/>).
    /// Returns the ids of the sandboxes that moved; only ids, as the consumer needs no more.
    /// </summary>
    public async Task<IReadOnlyList<Guid>> TryTransitionAllAsync(
        IReadOnlyList<StateEvent> events, IReadOnlyList<DateTimeOffset?> deadlines,
        NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        const string sql = $"{TransitionUpdate} sandboxes.id {TransitionRecord} SELECT s.id FROM s";
        var moved = await connection.QueryAsync<Guid>(
            new CommandDefinition(sql, TransitionParameters(events, deadlines), transaction, cancellationToken: ct));
        return moved.AsList();
    }

    private static object TransitionParameters(IReadOnlyList<StateEvent> events, IReadOnlyList<DateTimeOffset?> deadlines) => new
    {
        EventIds = events.Select(e => e.EventId).ToArray(),
        Types = events.Select(e => e.Type).ToArray(),
        SandboxIds = events.Select(e => e.SandboxId).ToArray(),
        Froms = events.Select(e => e.From.ToWire()).ToArray(),
        Tos = events.Select(e => e.To.ToWire()).ToArray(),
        Versions = events.Select(e => e.Version).ToArray(),
        Actors = events.Select(e => e.Actor).ToArray(),
        Reasons = events.Select(e => e.Reason).ToArray(),
        Errors = events.Select(e => e.Error).ToArray(),
        Ats = events.Select(e => e.At.UtcDateTime).ToArray(),
        Deadlines = deadlines.Select(d => d?.UtcDateTime).ToArray(),
    };
}
