using Dapper;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Text;
using Lifecycle.Infrastructure.Trust;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// Owns <c>hosts</c> and <c>host_transitions</c>: registration, heartbeats, and every change of a host's
/// status, each a row of <see cref="HostTransitionTable"/> applied as a compare-and-set with its history.
/// </summary>
public sealed class HostStore(NpgsqlDataSource dataSource)
{
    static HostStore() => DapperMapping.Apply();

    /// <summary>
    /// Registers a new host, <c>registered</c> until its first heartbeat, with the first row of its
    /// history; the token is stored only as its hash. Null when a host still in service already has the
    /// name (a re-registered machine is a new host: decommission the old one first).
    /// </summary>
    public async Task<HostRow?> RegisterAsync(string name, string grpcAddress, string token, Resources? capacity, CancellationToken ct)
    {
        // The conflict target names the unique index's predicate, which must be written as in the index (sql/002).
        const string sql = $"""
            WITH h AS (
                INSERT INTO hosts (id, name, grpc_address, token_hash, status, last_heartbeat_at, allocatable_vcpus, allocatable_memory_mb)
                VALUES (@Id, @Name, @GrpcAddress, @TokenHash, @To, NULL, @Vcpus, @MemoryMb)
                ON CONFLICT (name) WHERE status <> '{HostStatusNames.Decommissioned}' DO NOTHING
                RETURNING *
            ), moved AS (
                SELECT id AS host_id, @Type AS type, NULL::text AS from_status, status AS to_status FROM h
            ){RecordMoved}
            SELECT {HostRow.Columns} FROM h
            """;
        var row = HostTransitionTable.Get(HostEventTypes.Registered);
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<HostRow>(new CommandDefinition(sql, new
        {
            Id = Guid.CreateVersion7(),
            Name = name,
            GrpcAddress = grpcAddress,
            TokenHash = SecretHash.Of(token),
            Type = row.EventType,
            To = row.To.ToWire(),
            Actor = Actors.Admin,
            Reason = (string?)null,
            Vcpus = (int?)capacity?.Vcpus,
            MemoryMb = (int?)capacity?.MemoryMb,
        }, cancellationToken: ct));
    }

    /// <summary>
    /// One row of the host transition table as a compare-and-set: the host moves only from a status the
    /// row allows, and the change is written to <c>host_transitions</c> in the same statement.
    /// </summary>
    public async Task<HostTransitionOutcome> TransitionAsync(Guid id, string eventType, string actor, string? reason, CancellationToken ct)
    {
        const string sql = $"""
            {LockOne}, moved AS (
                UPDATE hosts h SET status = @To,
                       decommissioned_at = CASE WHEN @To = '{HostStatusNames.Decommissioned}' THEN COALESCE(h.decommissioned_at, now()) ELSE h.decommissioned_at END
                  FROM before
                 WHERE h.id = before.id AND before.status = ANY(@From)
                RETURNING {MovedColumns}
            ){RecordMoved}
            {CompareAndSetResult}
            """;
        return await CompareAndSetAsync(sql, id, HostTransitionTable.Get(eventType), actor, reason, null, ct);
    }

    /// <summary>
    /// The one place a host transition is written to <c>host_transitions</c>: every statement that moves hosts
    /// names the hosts it moved <c>moved (host_id, type, from_status, to_status)</c> and ends its CTEs with this,
    /// so the history is written in the same statement as the move, or not at all.
    /// </summary>
    private const string RecordMoved = """
        , recorded AS (
            INSERT INTO host_transitions (host_id, type, from_status, to_status, actor, reason)
            SELECT host_id, type, from_status, to_status, @Actor, @Reason FROM moved
        )
        """;

    /// <summary>A compare-and-set's first CTE: the one host, locked, as it was.</summary>
    private const string LockOne = "WITH before AS (SELECT id, status FROM hosts WHERE id = @Id FOR UPDATE)";

    /// <summary>What a compare-and-set's UPDATE of <c>hosts h</c> from <c>before</c> returns, as <see cref="RecordMoved"/> reads it.</summary>
    private const string MovedColumns = "h.id AS host_id, @Type AS type, before.status AS from_status, h.status AS to_status";

    /// <summary>What a compare-and-set answers: the status found, and whether it moved.</summary>
    private const string CompareAndSetResult = "SELECT before.status AS current, EXISTS (SELECT 1 FROM moved) AS moved FROM before";

    /// <summary>
    /// Runs one host compare-and-set statement (built from <see cref="LockOne"/>, <see cref="MovedColumns"/>,
    /// <see cref="RecordMoved"/> and <see cref="CompareAndSetResult"/>) for <paramref name="row"/> of the table,
    /// with the statement's own parameters in <paramref name="extra"/>.
    /// </summary>
    private async Task<HostTransitionOutcome> CompareAndSetAsync(
        string sql, Guid id, HostTransition row, string actor, string? reason, object? extra, CancellationToken ct)
    {
        var parameters = new DynamicParameters(new
        {
            Id = id,
            Type = row.EventType,
            From = row.FromWire,
            To = row.To.ToWire(),
            Actor = actor,
            Reason = reason,
        });
        parameters.AddDynamicParams(extra);
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<CompareAndSet>(new CommandDefinition(sql, parameters, cancellationToken: ct)) switch
        {
            null => new HostTransitionOutcome.NoSuchHost(),
            { Moved: true } f => new HostTransitionOutcome.Moved(HostStatuses.Parse(f.Current)),
            { } f => new HostTransitionOutcome.NotAllowed(HostStatuses.Parse(f.Current)),
        };
    }

    private sealed record CompareAndSet(string Current, bool Moved);

    /// <summary>How many hosts are in each status, every status of <see cref="HostStatuses.All"/> included (zeros too), for metrics.</summary>
    public async Task<IReadOnlyDictionary<string, long>> CountByStatusAsync(CancellationToken ct)
    {
        const string sql = "SELECT status, count(*) FROM hosts GROUP BY status";
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<(string Status, long Count)>(new CommandDefinition(sql, cancellationToken: ct));
        var counts = HostStatuses.All.ToDictionary(status => status.ToWire(), _ => 0L);
        foreach (var (status, count) in rows)
        {
            counts[status] = count;
        }
        return counts;
    }

    /// <summary>Every host, decommissioned ones included, in service first.</summary>
    public async Task<IReadOnlyList<HostRow>> ListAsync(CancellationToken ct)
    {
        const string sql = $"SELECT {HostRow.Columns} FROM hosts h ORDER BY h.status = '{HostStatusNames.Decommissioned}', h.name, h.created_at";
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostRow>(new CommandDefinition(sql, cancellationToken: ct))).AsList();
    }

    public async Task<HostRow?> GetAsync(Guid id, CancellationToken ct)
    {
        const string sql = $"SELECT {HostRow.Columns} FROM hosts h WHERE h.id = @Id";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<HostRow>(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct));
    }

    /// <summary>The host's status changes, oldest first (<c>host_transitions</c>).</summary>
    public async Task<IReadOnlyList<HostTransitionRow>> HistoryAsync(Guid id, CancellationToken ct)
    {
        const string sql = "SELECT type, from_status, to_status, actor, reason, at FROM host_transitions WHERE host_id = @Id ORDER BY id";
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostTransitionRow>(new CommandDefinition(sql, new { Id = id }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Takes a host out of service for good (<see cref="HostEventTypes.Decommissioned"/>): its token stops
    /// working at once and nothing is scheduled on it again. Repeating it changes nothing. Null when no
    /// such host exists; else the host as it is now.
    /// </summary>
    public async Task<HostRow?> DecommissionAsync(Guid id, string actor, string? reason, CancellationToken ct) =>
        await TransitionAsync(id, HostEventTypes.Decommissioned, actor, reason, ct) is HostTransitionOutcome.NoSuchHost
            ? null
            : await GetAsync(id, ct);

    /// <summary>The host a token belongs to, unless it is decommissioned (its token is then dead).</summary>
    public async Task<Guid?> FindInServiceByTokenAsync(string token, CancellationToken ct)
    {
        const string sql = $"SELECT id FROM hosts WHERE token_hash = @TokenHash AND status <> '{HostStatusNames.Decommissioned}'";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(sql, new { TokenHash = SecretHash.Of(token) }, cancellationToken: ct));
    }

    /// <summary>
    /// What the host's running VMs take that no holding sandbox accounts for (<c>CapacityRules.Unaccounted</c>), as a
    /// HostMonitor pass saw it: counted with its holding sandboxes wherever capacity is. Written only when it changed.
    /// </summary>
    public async Task SetUnaccountedAsync(Guid id, Resources unaccounted, CancellationToken ct)
    {
        const string sql = """
            UPDATE hosts SET unaccounted_vcpus = @Vcpus, unaccounted_memory_mb = @MemoryMb
             WHERE id = @Id AND (unaccounted_vcpus, unaccounted_memory_mb) IS DISTINCT FROM (@Vcpus, @MemoryMb)
            """;
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, new { Id = id, Vcpus = (int)unaccounted.Vcpus, MemoryMb = (int)unaccounted.MemoryMb }, cancellationToken: ct));
    }

    /// <summary>
    /// Records a heartbeat of a host that is not decommissioned, and applies the row of the host
    /// transition table a heartbeat emits from its status, if any (registered: its first heartbeat;
    /// unreachable: it is back), with its history, in one statement. Any other status stays: a cordoned
    /// host that heartbeats is still cordoned. Null when the host is decommissioned or unknown.
    /// </summary>
    /// <param name="silence">The heartbeat timeout, to tell a host that was silent (<see cref="HeartbeatOutcome.WasSilent"/>).</param>
    /// <param name="capacity">What the host now lets its sandboxes use, when it says; null keeps what it said before.</param>
    public async Task<HeartbeatOutcome?> HeartbeatAsync(Guid id, TimeSpan silence, Resources? capacity, CancellationToken ct)
    {
        const string sql = $"""
            WITH before AS (
                SELECT id, status, last_heartbeat_at FROM hosts WHERE id = @Id AND status <> '{HostStatusNames.Decommissioned}' FOR UPDATE
            ), move AS (
                SELECT m.type, m.to_status
                  FROM before JOIN unnest(@MoveFrom::text[], @MoveType::text[], @MoveTo::text[]) AS m(from_status, type, to_status)
                    ON m.from_status = before.status
            ), beat AS (
                UPDATE hosts h SET last_heartbeat_at = now(), status = COALESCE((SELECT to_status FROM move), h.status),
                       allocatable_vcpus = COALESCE(@Vcpus, h.allocatable_vcpus), allocatable_memory_mb = COALESCE(@MemoryMb, h.allocatable_memory_mb)
                  FROM before
                 WHERE h.id = before.id
                RETURNING h.status AS after
            ), moved AS (
                SELECT before.id AS host_id, move.type, before.status AS from_status, move.to_status FROM before, move
            ){RecordMoved}
            SELECT before.status AS before, beat.after,
                   before.last_heartbeat_at IS NOT NULL AND before.last_heartbeat_at < now() - @Silence AS was_silent
              FROM before, beat
            """;
        await using var conn = dataSource.CreateConnection();
        var found = await conn.QuerySingleOrDefaultAsync<Beat>(new CommandDefinition(sql, new
        {
            Id = id,
            MoveFrom = HeartbeatMoves.Select(m => m.From).ToArray(),
            MoveType = HeartbeatMoves.Select(m => m.Type).ToArray(),
            MoveTo = HeartbeatMoves.Select(m => m.To).ToArray(),
            Actor = Actors.Host(id),
            Reason = (string?)null,
            Silence = silence,
            Vcpus = (int?)capacity?.Vcpus,
            MemoryMb = (int?)capacity?.MemoryMb,
        }, cancellationToken: ct));
        return found is null
            ? null
            : new HeartbeatOutcome(HostStatuses.Parse(found.Before), HostStatuses.Parse(found.After), found.WasSilent || found.Before == HostStatus.Unreachable.ToWire());
    }

    /// <summary>The rows of the table a heartbeat applies, one per status they move from (their from-sets do not overlap).</summary>
    private static readonly (string From, string Type, string To)[] HeartbeatMoves =
    [
        .. HostTransitionTable.Rows.Where(row => row.EmittedBy == HostEmitter.Host)
            .SelectMany(row => row.From.Select(from => (from.ToWire(), row.EventType, row.To.ToWire()))),
    ];

    private sealed record Beat(string Before, string After, bool WasSilent);

    /// <summary>
    /// Hosts among <paramref name="among"/> silent for longer than <paramref name="silence"/> that the
    /// silence row of the table moves (online ones) become unreachable, with their history; returns them.
    /// </summary>
    public async Task<IReadOnlyList<HostTarget>> MarkSilentUnreachableAsync(TimeSpan silence, IReadOnlyCollection<Guid> among, CancellationToken ct)
    {
        const string sql = $"""
            WITH before AS (
                SELECT id, status FROM hosts
                 WHERE id = ANY(@Among) AND status = ANY(@From)
                   AND (last_heartbeat_at IS NULL OR last_heartbeat_at < now() - @Silence)
                   FOR UPDATE
            ), moved AS (
                UPDATE hosts h SET status = @To
                  FROM before
                 WHERE h.id = before.id
                RETURNING {MovedColumns}, h.name, h.grpc_address
            ){RecordMoved}
            SELECT host_id AS id, name, grpc_address FROM moved
            """;
        var row = HostTransitionTable.Get(HostEventTypes.Silent);
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<HostTarget>(new CommandDefinition(sql, new
        {
            Silence = silence,
            Among = among.ToArray(),
            From = row.FromWire,
            To = row.To.ToWire(),
            Type = row.EventType,
            Actor = Actors.HostMonitor,
            Reason = $"no heartbeat for {Durations.Format(silence)}",
        }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Hosts in service (<see cref="HostStatuses.Serving"/>: all, or the one given), each with whether it
    /// has been silent for longer than <paramref name="silence"/>, for a HostMonitor pass.
    /// </summary>
    public async Task<IReadOnlyList<MonitoredHost>> ServingAsync(Guid? only, TimeSpan silence, CancellationToken ct)
    {
        const string sql = """
            SELECT id, name, grpc_address, status, (last_heartbeat_at IS NULL OR last_heartbeat_at < now() - @Silence) AS silent
              FROM hosts
             WHERE status = ANY(@Serving) AND (@Only::uuid IS NULL OR id = @Only)
             ORDER BY id
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<MonitoredHost>(new CommandDefinition(sql, new
        {
            Only = only,
            Silence = silence,
            Serving = ServingWire,
        }, cancellationToken: ct))).AsList();
    }

    /// <summary>Records that <paramref name="replica"/> has just reconciled the host (for on-call: is every host passed over?).</summary>
    public async Task MarkReconciledAsync(Guid id, string replica, CancellationToken ct)
    {
        const string sql = "UPDATE hosts SET reconciled_at = now(), reconciled_by = @Replica WHERE id = @Id";
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, new { Id = id, Replica = replica }, cancellationToken: ct));
    }

    private static readonly string[] ServingWire = [.. HostStatuses.Serving.Select(status => status.ToWire())];

    /// <summary>
    /// Starts a drain: the drain-started row of the host transition table as a compare-and-set, setting the
    /// drain's mode, start and deadline (<paramref name="within"/> from now, by the database's clock) in the
    /// same statement, and writing the change to <c>host_transitions</c>.
    /// </summary>
    public async Task<HostTransitionOutcome> StartDrainAsync(
        Guid id, DrainMode mode, TimeSpan within, string actor, string? reason, CancellationToken ct)
    {
        const string sql = $"""
            {LockOne}, moved AS (
                UPDATE hosts h SET status = @To, drain_mode = @Mode, drain_started_at = now(), drain_deadline = now() + @Within
                  FROM before
                 WHERE h.id = before.id AND before.status = ANY(@From)
                RETURNING {MovedColumns}
            ){RecordMoved}
            {CompareAndSetResult}
            """;
        return await CompareAndSetAsync(sql, id, HostTransitionTable.Get(HostEventTypes.DrainStarted), actor, reason,
            new { Mode = mode.ToWire(), Within = within }, ct);
    }

    /// <summary>
    /// Ends a drain: draining becomes drained, as a compare-and-set that also checks, in the same statement,
    /// that the drain is still the one of <paramref name="mode"/> and that every sandbox of the host is where
    /// the mode leaves it (stopped, or paused in pause mode). Not allowed otherwise: nothing changes.
    /// </summary>
    public async Task<HostTransitionOutcome> FinishDrainAsync(Guid id, DrainMode mode, string actor, string? reason, CancellationToken ct)
    {
        const string sql = $"""
            {LockOne}, moved AS (
                UPDATE hosts h SET status = @To
                  FROM before
                 WHERE h.id = before.id AND before.status = ANY(@From) AND h.drain_mode = @Mode
                   AND NOT EXISTS (SELECT 1 FROM sandboxes s WHERE s.host_id = h.id AND s.status <> ALL(@Done))
                RETURNING {MovedColumns}
            ){RecordMoved}
            {CompareAndSetResult}
            """;
        return await CompareAndSetAsync(sql, id, HostTransitionTable.Get(HostEventTypes.Drained), actor, reason,
            new { Mode = mode.ToWire(), Done = mode.DoneWireNames() }, ct);
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
        }, cancellationToken: ct))).AsList();
    }
}
