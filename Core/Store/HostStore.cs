using Dapper;
using Lifecycle.Core.Hosts;
using Lifecycle.Core.Security;
using Npgsql;

namespace Lifecycle.Core.Store;

/// <summary>Owns <c>hosts</c>: registration, heartbeats, and the status the HostMonitor gives them.</summary>
public sealed class HostStore(NpgsqlDataSource dataSource)
{
    static HostStore() => SnakeCaseColumns.Apply();

    /// <summary>
    /// Registers a new online host; the token is stored only as its hash. Null when a host still in
    /// service already has the name (a re-registered machine is a new host: decommission the old one first).
    /// </summary>
    public async Task<HostRow?> RegisterAsync(string name, string grpcAddress, string token, CancellationToken ct)
    {
        const string sql = $"""
            WITH h AS (
                INSERT INTO hosts (id, name, grpc_address, token_hash, status, last_heartbeat_at)
                VALUES (@Id, @Name, @GrpcAddress, @TokenHash, 'online', now())
                ON CONFLICT (name) WHERE status <> 'decommissioned' DO NOTHING
                RETURNING *
            )
            SELECT {HostRow.Columns} FROM h
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<HostRow>(new CommandDefinition(sql, new
        {
            Id = Guid.CreateVersion7(),
            Name = name,
            GrpcAddress = grpcAddress,
            TokenHash = SecretHash.Of(token),
        }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// One row of the host transition table as a compare-and-set: the host moves only from a status the
    /// row allows, and the change is written to <c>host_transitions</c> in the same statement.
    /// </summary>
    public async Task<HostTransitionOutcome> TransitionAsync(Guid id, string eventType, string actor, string? reason, CancellationToken ct)
    {
        const string sql = """
            WITH before AS (
                SELECT id, status FROM hosts WHERE id = @Id FOR UPDATE
            ), moved AS (
                UPDATE hosts h SET status = @To,
                       decommissioned_at = CASE WHEN @To = 'decommissioned' THEN COALESCE(h.decommissioned_at, now()) ELSE h.decommissioned_at END
                  FROM before
                 WHERE h.id = before.id AND before.status = ANY(@From)
                RETURNING before.status AS from_status
            ), recorded AS (
                INSERT INTO host_transitions (host_id, type, from_status, to_status, actor, reason)
                SELECT @Id, @Type, from_status, @To, @Actor, @Reason FROM moved
            )
            SELECT before.status AS current, EXISTS (SELECT 1 FROM moved) AS moved FROM before
            """;
        var row = HostTransitionTable.Get(eventType);
        await using var conn = dataSource.CreateConnection();
        var found = await conn.QuerySingleOrDefaultAsync<CompareAndSet>(new CommandDefinition(sql, new
        {
            Id = id,
            Type = eventType,
            From = row.FromWire,
            To = row.To.ToWire(),
            Actor = actor,
            Reason = reason,
        }, cancellationToken: ct)).ConfigureAwait(false);
        return found switch
        {
            null => new HostTransitionOutcome.NoSuchHost(),
            { Moved: true } f => new HostTransitionOutcome.Moved(HostStatuses.Parse(f.Current)),
            { } f => new HostTransitionOutcome.NotAllowed(HostStatuses.Parse(f.Current)),
        };
    }

    private sealed record CompareAndSet(string Current, bool Moved);

    /// <summary>How many hosts are in each status, for metrics.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct)
    {
        const string sql = "SELECT status, count(*) FROM hosts GROUP BY status";
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<(string Status, long Count)>(new CommandDefinition(sql, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToDictionary(r => r.Status, r => r.Count);
    }

    /// <summary>Every host, decommissioned ones included, in service first.</summary>
    public async Task<IReadOnlyList<HostRow>> ListAsync(CancellationToken ct)
    {
        const string sql = $"SELECT {HostRow.Columns} FROM hosts h ORDER BY h.status = 'decommissioned', h.name, h.created_at";
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostRow>(new CommandDefinition(sql, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    public async Task<HostRow?> GetAsync(Guid id, CancellationToken ct)
    {
        const string sql = $"SELECT {HostRow.Columns} FROM hosts h WHERE h.id = @Id";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<HostRow>(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Takes a host out of service for good: its token stops working at once and nothing is scheduled
    /// on it again. Repeating it changes nothing. Null when no such host exists.
    /// </summary>
    public async Task<HostRow?> DecommissionAsync(Guid id, CancellationToken ct)
    {
        const string sql = $"""
            WITH h AS (
                UPDATE hosts SET status = 'decommissioned', decommissioned_at = COALESCE(decommissioned_at, now())
                 WHERE id = @Id
                RETURNING *
            )
            SELECT {HostRow.Columns} FROM h
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<HostRow>(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>The host a token belongs to, unless it is decommissioned (its token is then dead).</summary>
    public async Task<Guid?> FindInServiceByTokenAsync(string token, CancellationToken ct)
    {
        const string sql = "SELECT id FROM hosts WHERE token_hash = @TokenHash AND status <> 'decommissioned'";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(sql, new { TokenHash = SecretHash.Of(token) }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Records a heartbeat and brings a registered or unreachable host online; an operator's cordon or drain
    /// outlives it. Returns the status it had before
    /// (so a caller can tell a host that just came back), or null when it is decommissioned or unknown.
    /// </summary>
    public async Task<string?> HeartbeatAsync(Guid id, CancellationToken ct)
    {
        const string sql = """
            UPDATE hosts h SET last_heartbeat_at = now(),
                   status = CASE WHEN h.status IN ('registered', 'unreachable') THEN 'online' ELSE h.status END
              FROM (SELECT id, status FROM hosts WHERE id = @Id FOR UPDATE) before
             WHERE h.id = before.id AND h.status <> 'decommissioned'
            RETURNING before.status
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Online hosts among <paramref name="among"/> silent for longer than <paramref name="silence"/> become unreachable; returns them.</summary>
    public async Task<IReadOnlyList<HostTarget>> MarkSilentUnreachableAsync(TimeSpan silence, IReadOnlyCollection<Guid> among, CancellationToken ct)
    {
        const string sql = """
            UPDATE hosts SET status = 'unreachable'
             WHERE status = 'online' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < now() - @Silence)
               AND id = ANY(@Among)
            RETURNING id, name, grpc_address
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostTarget>(new CommandDefinition(sql, new { Silence = silence, Among = among.ToArray() }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    /// <summary>Hosts that are online now (all, or the one given), for the HostMonitor's active phase.</summary>
    public async Task<IReadOnlyList<HostTarget>> OnlineAsync(Guid? only, CancellationToken ct)
    {
        const string sql = "SELECT id, name, grpc_address FROM hosts WHERE status = 'online' AND (@Only::uuid IS NULL OR id = @Only) ORDER BY id";
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostTarget>(new CommandDefinition(sql, new { Only = only }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    /// <summary>
    /// Starts a drain: the drain-started row of the host transition table as a compare-and-set, setting the
    /// drain's mode, start and deadline (<paramref name="within"/> from now, by the database's clock) in the
    /// same statement, and writing the change to <c>host_transitions</c>.
    /// </summary>
    public async Task<HostTransitionOutcome> StartDrainAsync(
        Guid id, DrainMode mode, TimeSpan within, string actor, string? reason, CancellationToken ct)
    {
        const string sql = """
            WITH before AS (
                SELECT id, status FROM hosts WHERE id = @Id FOR UPDATE
            ), moved AS (
                UPDATE hosts h SET status = @To, drain_mode = @Mode, drain_started_at = now(), drain_deadline = now() + @Within
                  FROM before
                 WHERE h.id = before.id AND before.status = ANY(@From)
                RETURNING before.status AS from_status
            ), recorded AS (
                INSERT INTO host_transitions (host_id, type, from_status, to_status, actor, reason)
                SELECT @Id, @Type, from_status, @To, @Actor, @Reason FROM moved
            )
            SELECT before.status AS current, EXISTS (SELECT 1 FROM moved) AS moved FROM before
            """;
        var row = HostTransitionTable.Get(HostEventTypes.DrainStarted);
        await using var conn = dataSource.CreateConnection();
        var found = await conn.QuerySingleOrDefaultAsync<CompareAndSet>(new CommandDefinition(sql, new
        {
            Id = id,
            Type = row.EventType,
            From = row.FromWire,
            To = row.To.ToWire(),
            Mode = mode.ToWire(),
            Within = within,
            Actor = actor,
            Reason = reason,
        }, cancellationToken: ct)).ConfigureAwait(false);
        return DrainOutcome(found);
    }

    /// <summary>
    /// Ends a drain: draining becomes drained, as a compare-and-set that also checks, in the same statement,
    /// that the drain is still the one of <paramref name="mode"/> and that every sandbox of the host is where
    /// the mode leaves it (stopped, or paused in pause mode). Not allowed otherwise: nothing changes.
    /// </summary>
    public async Task<HostTransitionOutcome> FinishDrainAsync(Guid id, DrainMode mode, string actor, string? reason, CancellationToken ct)
    {
        const string sql = """
            WITH before AS (
                SELECT id, status FROM hosts WHERE id = @Id FOR UPDATE
            ), moved AS (
                UPDATE hosts h SET status = @To
                  FROM before
                 WHERE h.id = before.id AND before.status = ANY(@From) AND h.drain_mode = @Mode
                   AND NOT EXISTS (SELECT 1 FROM sandboxes s WHERE s.host_id = h.id AND s.status <> ALL(@Done))
                RETURNING before.status AS from_status
            ), recorded AS (
                INSERT INTO host_transitions (host_id, type, from_status, to_status, actor, reason)
                SELECT @Id, @Type, from_status, @To, @Actor, @Reason FROM moved
            )
            SELECT before.status AS current, EXISTS (SELECT 1 FROM moved) AS moved FROM before
            """;
        var row = HostTransitionTable.Get(HostEventTypes.Drained);
        await using var conn = dataSource.CreateConnection();
        var found = await conn.QuerySingleOrDefaultAsync<CompareAndSet>(new CommandDefinition(sql, new
        {
            Id = id,
            Type = row.EventType,
            From = row.FromWire,
            To = row.To.ToWire(),
            Mode = mode.ToWire(),
            Done = mode.DoneWireNames(),
            Actor = actor,
            Reason = reason,
        }, cancellationToken: ct)).ConfigureAwait(false);
        return DrainOutcome(found);
    }

    /// <summary>The drains of hosts in one of <paramref name="statuses"/> (all such hosts, or the one given), by host id.</summary>
    public async Task<IReadOnlyList<HostDrain>> DrainsAsync(IReadOnlyCollection<HostStatus> statuses, Guid? only, CancellationToken ct)
    {
        const string sql = """
            SELECT id, name, status, drain_mode, drain_started_at, drain_deadline, drain_deadline <= now() AS past_deadline
              FROM hosts
             WHERE status = ANY(@Statuses) AND drain_mode IS NOT NULL AND (@Only::uuid IS NULL OR id = @Only)
             ORDER BY id
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostDrain>(new CommandDefinition(sql, new
        {
            Statuses = statuses.Select(s => s.ToWire()).ToArray(),
            Only = only,
        }, cancellationToken: ct)).ConfigureAwait(false)).AsList();
    }

    private static HostTransitionOutcome DrainOutcome(CompareAndSet? found) => found switch
    {
        null => new HostTransitionOutcome.NoSuchHost(),
        { Moved: true } f => new HostTransitionOutcome.Moved(HostStatuses.Parse(f.Current)),
        { } f => new HostTransitionOutcome.NotAllowed(HostStatuses.Parse(f.Current)),
    };
}
