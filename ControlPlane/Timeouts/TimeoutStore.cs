using Dapper;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>
/// The time-to-live statements on <c>sandboxes</c>: setting a timeout, extending one, and what has expired. A
/// change of timeout is not a status transition: it moves no version and writes no history, and the evictor's
/// compare-and-set re-checks the expiry itself (<see cref="TransitionWrite.OnlyIfExpiredBy"/>), so an extension
/// that lands first always wins.
/// </summary>
public sealed class TimeoutStore(NpgsqlDataSource dataSource)
{
    static TimeoutStore() => DapperMapping.Apply();

    /// <summary>The statuses a timeout may be set in: the sandbox still has a life to time.</summary>
    public static readonly IReadOnlyList<SandboxStatus> Settable =
        [SandboxStatus.Starting, SandboxStatus.Running, SandboxStatus.Pausing, SandboxStatus.Paused, SandboxStatus.Resuming];

    /// <summary>The statuses whose timer runs: a timeout set in them restarts it from now; a connect extends it.</summary>
    public static readonly IReadOnlyList<SandboxStatus> Timed =
        [SandboxStatus.Starting, SandboxStatus.Running, SandboxStatus.Pausing, SandboxStatus.Resuming];

    private static readonly string[] SettableWire = [.. Settable.Select(s => s.ToWire())];
    private static readonly string[] TimedWire = [.. Timed.Select(s => s.ToWire())];
    private static readonly string[] ExtendableWire = [.. Timed.Where(s => s != SandboxStatus.Pausing).Select(s => s.ToWire())];
    private static readonly string[] ActedOnWire = [.. Expiry.ActedOn.Select(s => s.ToWire())];

    /// <summary>
    /// Sets a team's sandbox's <c>timeout_sec</c> and, while its timer runs, restarts it from now (never past its
    /// lifetime). Returns the row and the database's time of the change (to order the host's notices), or null when
    /// the sandbox is not the team's or not in a <see cref="Settable"/> status.
    /// </summary>
    public async Task<TimeoutChange?> SetAsync(
        Guid teamId, Guid id, int timeoutSec, CancellationToken ct, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = $"""
            WITH s AS (
                UPDATE sandboxes
                   SET timeout_sec = @TimeoutSec,
                       expires_at = CASE WHEN status = ANY(@Timed)
                                         THEN LEAST(now() + make_interval(secs => @TimeoutSec), lifetime_ends_at)
                                         ELSE expires_at END
                 WHERE id = @Id AND team_id = @TeamId AND status = ANY(@Settable)
                RETURNING *
            )
            SELECT {SandboxRow.Columns}, clock_timestamp() AS set_at FROM s LEFT JOIN hosts h ON h.id = s.host_id
            """;
        return await QueryChangeAsync(sql, new { Id = id, TeamId = teamId, TimeoutSec = timeoutSec, Timed = TimedWire, Settable = SettableWire }, connection, transaction, ct);
    }

    /// <summary>
    /// A connect's extension: while the sandbox starts, runs or resumes, its <c>expires_at</c> becomes
    /// <c>now + timeoutSec</c> (never past its lifetime) if that is later; it is never shortened. Null when the
    /// sandbox is not the team's or is in another status.
    /// </summary>
    public async Task<TimeoutChange?> ExtendAsync(
        Guid teamId, Guid id, int? timeoutSec, CancellationToken ct, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        const string sql = $"""
            WITH s AS (
                UPDATE sandboxes
                   SET expires_at = GREATEST(expires_at,
                                             LEAST(now() + make_interval(secs => COALESCE(@TimeoutSec, timeout_sec)), lifetime_ends_at))
                 WHERE id = @Id AND team_id = @TeamId AND status = ANY(@Extendable)
                RETURNING *
            )
            SELECT {SandboxRow.Columns}, clock_timestamp() AS set_at FROM s LEFT JOIN hosts h ON h.id = s.host_id
            """;
        return await QueryChangeAsync(sql, new { Id = id, TeamId = teamId, TimeoutSec = timeoutSec, Extendable = ExtendableWire }, connection, transaction, ct);
    }

    /// <summary>
    /// Sandboxes on <paramref name="hosts"/> that the rule of <see cref="Expiry"/> acts on and whose <c>expires_at</c>
    /// is at or before <paramref name="now"/>, oldest expiry first (an index range: 011_time_to_live.sql).
    /// </summary>
    public async Task<IReadOnlyList<ExpiredSandbox>> ExpiredAsync(IReadOnlyCollection<Guid> hosts, DateTimeOffset now, int limit, CancellationToken ct)
    {
        const string sql = $"""
            SELECT {ExpiredSandbox.Columns}
              FROM sandboxes s
             WHERE s.expires_at <= @Now AND s.status = ANY(@ActedOn) AND s.host_id = ANY(@Hosts)
             ORDER BY s.expires_at
             LIMIT @Limit
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<ExpiredSandbox>(new CommandDefinition(sql, new
        {
            Now = now.UtcDateTime,
            ActedOn = ActedOnWire,
            Hosts = hosts.ToArray(),
            Limit = limit,
        }, cancellationToken: ct));
        return rows.AsList();
    }

    private async Task<TimeoutChange?> QueryChangeAsync(
        string sql, object parameters, NpgsqlConnection? connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        await using var own = connection is null ? dataSource.CreateConnection() : null;
        var rows = await (connection ?? own!).QueryAsync<SandboxRow, DateTime, TimeoutChange>(
            new CommandDefinition(sql, parameters, transaction, cancellationToken: ct), (row, setAt) => new TimeoutChange(row, setAt), splitOn: "set_at");
        return rows.SingleOrDefault();
    }
}
