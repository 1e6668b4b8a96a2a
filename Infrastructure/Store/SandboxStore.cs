using System.Collections.Frozen;
using Dapper;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>Owns the <c>sandboxes</c> table; every status write is a compare-and-set that records history.</summary>
public sealed class SandboxStore(NpgsqlDataSource dataSource)
{
    static SandboxStore() => DapperMapping.Apply();

    /// <summary>
    /// Inserts a <c>starting</c> sandbox on <paramref name="hostId"/> and records its create event, in history and in the
    /// outbox (<paramref name="outboxed"/>), in one statement. Returns null when that host is no longer online, or, with
    /// <paramref name="ratios"/>, when it has no room for the sandbox.
    /// </summary>
    /// <remarks>
    /// With <paramref name="ratios"/>, the host's capacity lock (<see cref="HostCapacityLock"/>) is taken by a statement
    /// sent in the same round trip, just before the insert, whose own snapshot then sees every earlier holder's commit;
    /// the insert reads what the host holds from its ledger (<see cref="HostAllocations"/>) and inserts only if the sandbox fits its allocatable
    /// times the ratios. Without a transaction the two run as one implicit transaction, so the lock is held only while the
    /// insert runs and commits. With <paramref name="connection"/>, it runs there, within <paramref name="transaction"/>
    /// (the request's: its quota and idempotency key).
    /// </remarks>
    public async Task<SandboxRow?> CreateOnHostAsync(
        Guid hostId, NewSandbox sandbox, OutboxRecord outboxed, DateTimeOffset deadline, CancellationToken ct,
        NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null, OvercommitRatios? ratios = null)
    {
        // A host that has reported no capacity is not limited. The limit is CapacityRules.Limit, in SQL; what the host
        // holds is its ledger's total (HostAllocations), which the trigger on this insert then raises.
        const string withinCapacity = $"""
            WITH chosen AS (SELECT h.id FROM hosts h {HostAllocations.HeldByHost}
                             WHERE h.id = @HostId AND h.status = ANY(@Placing)
                               AND (h.allocatable_vcpus IS NULL OR h.allocatable_memory_mb IS NULL
                                    OR (h.unaccounted_vcpus + held.vcpus + @Vcpus <= floor(h.allocatable_vcpus * @VcpuRatio)
                                        AND h.unaccounted_memory_mb + held.memory_mb + @MemoryMb <= floor(h.allocatable_memory_mb * @MemoryRatio)))
            """;
        const string insert = $"""
            ), s AS (
                INSERT INTO sandboxes (id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec,
                                       on_timeout, max_lifetime_sec, lifetime_ends_at, expires_at,
                                       metadata, operation_deadline, created_at, updated_at)
                SELECT @Id, @TeamId, chosen.id, @To, @Version + 1, @Template, @Vcpus, @MemoryMb, @TimeoutSec,
                       @OnTimeout, @MaxLifetimeSec, @LifetimeEndsAt, @ExpiresAt,
                       @MetadataJson::jsonb, @Deadline, @At, @At
                  FROM chosen
                RETURNING *
            ), recorded AS (
                INSERT INTO sandbox_transitions (event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at)
                SELECT @EventId, s.id, @Type, NULL, @To, @Version, @Actor, @Reason, NULL, @At FROM s
            ){OutboxStore.RecordWith}
            SELECT {SandboxRow.Columns} FROM s JOIN hosts h ON h.id = s.host_id
            """;
        const string anywhere = "WITH chosen AS (SELECT h.id FROM hosts h WHERE h.id = @HostId AND h.status = ANY(@Placing)" + insert;
        const string lockedWithinCapacity = HostCapacityLock.Sql + ";\n" + withinCapacity + insert;
        var created = outboxed.Event;
        var parameters = new DynamicParameters(new
        {
            HostId = hostId,
            VcpuRatio = ratios?.Vcpus ?? 0,
            MemoryRatio = ratios?.MemoryMb ?? 0,
            Placing = PlacingWire,
            sandbox.Id,
            sandbox.TeamId,
            sandbox.Template,
            sandbox.Vcpus,
            sandbox.MemoryMb,
            sandbox.TimeoutSec,
            OnTimeout = sandbox.OnTimeout.ToWire(),
            sandbox.MaxLifetimeSec,
            LifetimeEndsAt = TimeToLive.LifetimeEnd(created.At, sandbox.MaxLifetimeSec)?.UtcDateTime,
            ExpiresAt = TimeToLive.ExpiresAt(created.At, sandbox.TimeoutSec, TimeToLive.LifetimeEnd(created.At, sandbox.MaxLifetimeSec)).UtcDateTime,
            sandbox.MetadataJson,
            Deadline = deadline.UtcDateTime,
            created.EventId,
            created.Type,
            To = created.To.ToWire(),
            created.Version,
            created.Actor,
            created.Reason,
            At = created.At.UtcDateTime,
        });
        OutboxStore.RecordParameters(parameters, outboxed);
        await using var own = connection is null ? dataSource.CreateConnection() : null;
        if (ratios is null)
        {
            return await (connection ?? own!).QuerySingleOrDefaultAsync<SandboxRow>(new CommandDefinition(anywhere, parameters, transaction, cancellationToken: ct));
        }
        await using var results = await (connection ?? own!).QueryMultipleAsync(new CommandDefinition(lockedWithinCapacity, parameters, transaction, cancellationToken: ct));
        await results.ReadAsync(); // the lock's row
        return await results.ReadSingleOrDefaultAsync<SandboxRow>();
    }

    /// <summary>The host statuses that take new sandboxes (<see cref="HostStatuses.TakesPlacements"/>: online only).</summary>
    private static readonly string[] PlacingWire = [.. HostStatuses.All.Where(status => status.TakesPlacements()).Select(status => status.ToWire())];

    /// <summary>
    /// Every host that is not decommissioned, with the count of its sandboxes that hold a share and what they hold
    /// (<see cref="HostLoad"/>), from its ledger (<see cref="HostAllocations"/>): what placement weighs, once per
    /// refresh interval.
    /// </summary>
    public async Task<IReadOnlyList<HostLoad>> HostLoadsAsync(CancellationToken ct)
    {
        const string sql = $"""
            SELECT h.id, h.name, h.status = ANY(@Placing) AS takes_placements, h.allocatable_vcpus, h.allocatable_memory_mb,
                   held.sandboxes AS holding,
                   h.unaccounted_vcpus + held.vcpus AS allocated_vcpus,
                   h.unaccounted_memory_mb + held.memory_mb AS allocated_memory_mb
              FROM hosts h {HostAllocations.HeldByHost}
             WHERE h.status <> '{HostStatusNames.Decommissioned}'
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<HostLoad.Row>(new CommandDefinition(sql, new { Placing = PlacingWire }, cancellationToken: ct));
        return [.. rows.Select(row => row.ToLoad())];
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

    /// <summary>A team's sandbox, locked until <paramref name="transaction"/> ends: a precondition checked on it holds for the write that follows.</summary>
    public async Task<SandboxRow?> GetForUpdateAsync(Guid teamId, Guid id, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE s.id = @Id AND s.team_id = @TeamId
               FOR UPDATE OF s
            """;
        return await connection.QuerySingleOrDefaultAsync<SandboxRow>(
            new CommandDefinition(sql, new { Id = id, TeamId = teamId }, transaction, cancellationToken: ct));
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

    /// <summary>
    /// A page of the sandboxes <paramref name="filter"/> shows, newest first; <paramref name="before"/> is the last id of the
    /// previous page. Ids are UUIDv7, so a sandbox created meanwhile sorts before the first page: paging never repeats
    /// or skips one. The creation window compares times as the API shows them (to the millisecond), so a sandbox's own
    /// <c>created_at</c> is a bound that excludes it. A team's listing walks its newest-first index; the metadata pairs are a containment test its GIN
    /// index answers (014_list_filters.sql); no index mentions status (decision 0001).
    /// </summary>
    public async Task<IReadOnlyList<SandboxRow>> ListAsync(SandboxFilter filter, Guid? before, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {SandboxRow.Columns}
              FROM sandboxes s LEFT JOIN hosts h ON h.id = s.host_id
             WHERE (@TeamId::uuid IS NULL OR s.team_id = @TeamId::uuid)
               AND (@HostId::uuid IS NULL OR s.host_id = @HostId::uuid)
               AND (@Statuses::text[] IS NULL OR s.status = ANY(@Statuses::text[]))
               AND (@Template::text IS NULL OR s.template = @Template::text)
               AND (@Metadata::jsonb IS NULL OR s.metadata @> @Metadata::jsonb)
               AND (@CreatedAfter::timestamptz IS NULL OR date_trunc('milliseconds', s.created_at) > @CreatedAfter::timestamptz)
               AND (@CreatedBefore::timestamptz IS NULL OR date_trunc('milliseconds', s.created_at) < @CreatedBefore::timestamptz)
               AND (@Before::uuid IS NULL OR s.id < @Before::uuid)
             ORDER BY s.id DESC
             LIMIT @Limit
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<SandboxRow>(new CommandDefinition(sql, new
        {
            filter.TeamId,
            filter.HostId,
            Statuses = filter.Statuses?.Select(status => status.ToWire()).ToArray(),
            filter.Template,
            Metadata = filter.Metadata is { Count: > 0 } pairs ? System.Text.Json.JsonSerializer.Serialize(pairs) : null,
            CreatedAfter = filter.CreatedAfter?.UtcDateTime,
            CreatedBefore = filter.CreatedBefore?.UtcDateTime,
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
    /// Beside the status it keeps the time to live and the stop reason true (docs/contract.md):
    /// <list type="bullet">
    /// <item><c>expires_at</c>: the event's own when it brings one (a resume restarts the timer); none once
    /// stopped or errored; the lifetime's end once paused; back from missing to running, no later than a
    /// whole timeout from now; else unchanged. An event with <c>only_if_expired_by</c> (the evictor's
    /// request) applies only while the sandbox is still expired then, so an extension that lands first wins.</item>
    /// <item><c>stop_reason</c>: derived for a move into paused, stopped or error (<see cref="StopReasons"/>: the
    /// event's own, else the one the sandbox kept through missing, else its request's intent, else the rule's
    /// fallback); kept through missing; none otherwise.</item>
    /// <item><c>stop_intent</c>: set by every request, kept while the operation is under way or lost, else cleared.</item>
    /// </list>
    /// </summary>
    private const string TransitionUpdate = $"""
        WITH e AS (
            SELECT * FROM unnest(@EventIds, @Types, @SandboxIds, @Froms, @Tos, @Versions, @Actors, @Reasons, @Errors, @Ats, @Deadlines,
                                 @ExpiresAts, @OnlyIfExpiredBys, @StopReasons, @StopFallbacks, @Requests)
                AS e(event_id, type, sandbox_id, from_status, to_status, version, actor, reason, error, at, deadline,
                     expires_at, only_if_expired_by, stop_reason, stop_fallback, is_request)
        ), s AS (
            UPDATE sandboxes
               SET status = e.to_status,
                   version = sandboxes.version + 1,
                   updated_at = now(),
                   operation_deadline = e.deadline,
                   lost_from = CASE WHEN e.to_status = '{SandboxStatusNames.Missing}' THEN e.from_status END,
                   last_error = COALESCE(e.error, sandboxes.last_error),
                   started_at = CASE WHEN e.to_status = '{SandboxStatusNames.Running}' THEN COALESCE(sandboxes.started_at, now()) ELSE sandboxes.started_at END,
                   expires_at = CASE
                       WHEN e.expires_at IS NOT NULL THEN e.expires_at
                       WHEN e.to_status IN ('{SandboxStatusNames.Stopped}', '{SandboxStatusNames.Error}') THEN NULL
                       WHEN e.to_status = '{SandboxStatusNames.Paused}' THEN sandboxes.lifetime_ends_at
                       WHEN e.from_status = '{SandboxStatusNames.Missing}' AND e.to_status = '{SandboxStatusNames.Running}'
                           THEN LEAST(sandboxes.expires_at, now() + make_interval(secs => sandboxes.timeout_sec), sandboxes.lifetime_ends_at)
                       ELSE sandboxes.expires_at END,
                   stop_reason = CASE
                       WHEN e.to_status IN ('{SandboxStatusNames.Paused}', '{SandboxStatusNames.Stopped}', '{SandboxStatusNames.Error}')
                           THEN COALESCE(e.stop_reason, sandboxes.stop_reason, sandboxes.stop_intent, e.stop_fallback)
                       WHEN e.to_status = '{SandboxStatusNames.Missing}' THEN sandboxes.stop_reason
                       END,
                   stop_intent = CASE
                       WHEN e.is_request THEN e.stop_reason
                       WHEN e.to_status IN ('{SandboxStatusNames.Starting}', '{SandboxStatusNames.Pausing}', '{SandboxStatusNames.Resuming}',
                                            '{SandboxStatusNames.Stopping}', '{SandboxStatusNames.Missing}') THEN sandboxes.stop_intent
                       END
              FROM e
             WHERE sandboxes.id = e.sandbox_id AND sandboxes.status = e.from_status AND sandboxes.version = e.version
               AND (e.only_if_expired_by IS NULL OR sandboxes.expires_at <= e.only_if_expired_by)
            RETURNING e.event_id AS applied_event_id, sandboxes.stop_reason AS applied_stop_reason,
        """;

    private const string TransitionRecord = """

        ), recorded AS (
            INSERT INTO sandbox_transitions (event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at, stop_reason)
            SELECT e.event_id, e.sandbox_id, e.type, e.from_status, e.to_status, e.version, e.actor, e.reason, e.error, e.at, s.applied_stop_reason
              FROM e JOIN s ON s.applied_event_id = e.event_id
        )
        """;

    /// <summary>
    /// Applies one transition of an event recorded elsewhere, or of none (seeding, a test's own events); see
    /// <see cref="TransitionUpdate"/>. Returns the new row, or null when the fence did not hold.
    /// <paramref name="deadline"/> is the new operation deadline; null clears it.
    /// </summary>
    public Task<SandboxRow?> TryTransitionAsync(StateEvent e, DateTimeOffset? deadline, CancellationToken ct) =>
        TryTransitionAsync(new TransitionWrite(e, deadline), ct);

    /// <inheritdoc cref="TryTransitionAsync(StateEvent, DateTimeOffset?, CancellationToken)"/>
    public async Task<SandboxRow?> TryTransitionAsync(TransitionWrite write, CancellationToken ct, NpgsqlConnection? connection = null)
    {
        const string sql = $"{TransitionUpdate} sandboxes.* {TransitionRecord} SELECT {SandboxRow.Columns} FROM s LEFT JOIN hosts h ON h.id = s.host_id";
        await using var own = connection is null ? dataSource.CreateConnection() : null;
        return await (connection ?? own!).QuerySingleOrDefaultAsync<SandboxRow>(new CommandDefinition(sql, TransitionParameters([write]), cancellationToken: ct));
    }

    /// <summary>
    /// Applies a request's transition (see <see cref="TransitionUpdate"/>) and records its event in the outbox
    /// (<paramref name="outboxed"/>) in the same statement. Returns the new row, or null when the fence did not hold (a
    /// stale event, or one already applied): nothing is written then.
    /// </summary>
    /// <remarks>With <paramref name="connection"/>, it runs there, within <paramref name="transaction"/> (a quota's).</remarks>
    public async Task<SandboxRow?> TryTransitionAsync(
        TransitionWrite write, OutboxRecord outboxed, CancellationToken ct, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = $"{TransitionUpdate} sandboxes.* {TransitionRecord}{OutboxStore.RecordWith} SELECT {SandboxRow.Columns} FROM s LEFT JOIN hosts h ON h.id = s.host_id";
        var parameters = new DynamicParameters(TransitionParameters([write]));
        OutboxStore.RecordParameters(parameters, outboxed);
        await using var own = connection is null ? dataSource.CreateConnection() : null;
        return await (connection ?? own!).QuerySingleOrDefaultAsync<SandboxRow>(
            new CommandDefinition(sql, parameters, transaction, cancellationToken: ct));
    }

    /// <summary>
    /// Applies many transitions, at most one per sandbox, in one statement (see <see cref="TransitionUpdate"/>).
    /// Returns the sandboxes that moved, each with the stop reason it now has (null unless it stopped).
    /// </summary>
    public async Task<IReadOnlyList<(Guid Id, string? StopReason)>> TryTransitionAllAsync(
        IReadOnlyList<StateEvent> events, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        const string sql = $"{TransitionUpdate} sandboxes.id {TransitionRecord} SELECT s.id, s.applied_stop_reason FROM s";
        var moved = await connection.QueryAsync<(Guid, string?)>(
            new CommandDefinition(sql, TransitionParameters([.. events.Select(e => new TransitionWrite(e))]), transaction, cancellationToken: ct));
        return moved.AsList();
    }

    private static readonly FrozenSet<string> RequestTypes =
        TransitionTable.Rows.Where(row => row.EmittedBy == Emitter.Api).Select(row => row.EventType).ToFrozenSet(StringComparer.Ordinal);

    private static object TransitionParameters(IReadOnlyList<TransitionWrite> writes)
    {
        var rules = writes.Select(w => StopReasons.RuleFor(w.Event)).ToArray();
        return new
        {
            EventIds = writes.Select(w => w.Event.EventId).ToArray(),
            Types = writes.Select(w => w.Event.Type).ToArray(),
            SandboxIds = writes.Select(w => w.Event.SandboxId).ToArray(),
            Froms = writes.Select(w => w.Event.From.ToWire()).ToArray(),
            Tos = writes.Select(w => w.Event.To.ToWire()).ToArray(),
            Versions = writes.Select(w => w.Event.Version).ToArray(),
            Actors = writes.Select(w => w.Event.Actor).ToArray(),
            Reasons = writes.Select(w => w.Event.Reason).ToArray(),
            Errors = writes.Select(w => w.Event.Error).ToArray(),
            Ats = writes.Select(w => w.Event.At.UtcDateTime).ToArray(),
            Deadlines = writes.Select(w => w.Deadline?.UtcDateTime).ToArray(),
            ExpiresAts = writes.Select(w => w.ExpiresAt?.UtcDateTime).ToArray(),
            OnlyIfExpiredBys = writes.Select(w => w.OnlyIfExpiredBy?.UtcDateTime).ToArray(),
            // A request's entry is its intent (what the operation will yield); any other's, its derived stop reason.
            StopReasons = writes.Select((w, i) => RequestTypes.Contains(w.Event.Type)
                ? IntentOf(w.Event).ToWire()
                : rules[i]?.Yields.ToWire()).ToArray(),
            StopFallbacks = rules.Select(rule => rule?.Otherwise.ToWire()).ToArray(),
            Requests = writes.Select(w => RequestTypes.Contains(w.Event.Type)).ToArray(),
        };
    }

    private static StopReason? IntentOf(StateEvent request) =>
        SandboxOperation.All.FirstOrDefault(o => o.Requested.EventType == request.Type) is { } operation
            ? StopReasons.IntentOf(operation, request.Reason)
            : null;
}
