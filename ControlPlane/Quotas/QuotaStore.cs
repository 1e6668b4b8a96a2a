using Dapper;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.ControlPlane.Quotas;

/// <summary>Owns <c>team_quotas</c>, and counts a team's usage from <c>sandboxes</c>.</summary>
public sealed class QuotaStore(NpgsqlDataSource dataSource)
{
    static QuotaStore() => DapperMapping.Apply();

    private static readonly string[] ActiveWire = [.. QuotaRules.Active.Select(s => s.ToWire())];
    private static readonly string[] PausedWire = [.. QuotaRules.Paused.Select(s => s.ToWire())];
    private static readonly string[] BecomingPausedWire = [.. QuotaRules.BecomingPaused.Select(s => s.ToWire())];

    /// <summary>The team's own limits, or null when it has none of its own (the defaults apply).</summary>
    public async Task<QuotaLimits?> LimitsAsync(Guid teamId, CancellationToken ct)
    {
        const string sql = """
            SELECT max_active_sandboxes, max_vcpus, max_memory_mb, max_paused_sandboxes FROM team_quotas WHERE team_id = @TeamId
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<QuotaLimits>(new CommandDefinition(sql, new { TeamId = teamId }, cancellationToken: ct));
    }

    /// <summary>Writes the team's limits; false when there is no such team.</summary>
    public async Task<bool> SetAsync(Guid teamId, QuotaLimits limits, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO team_quotas (team_id, max_active_sandboxes, max_vcpus, max_memory_mb, max_paused_sandboxes)
            SELECT t.id, @MaxActiveSandboxes, @MaxVcpus, @MaxMemoryMb, @MaxPausedSandboxes FROM teams t WHERE t.id = @TeamId
            ON CONFLICT (team_id) DO UPDATE
               SET max_active_sandboxes = EXCLUDED.max_active_sandboxes, max_vcpus = EXCLUDED.max_vcpus,
                   max_memory_mb = EXCLUDED.max_memory_mb, max_paused_sandboxes = EXCLUDED.max_paused_sandboxes, updated_at = now()
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.ExecuteAsync(new CommandDefinition(sql, new
        {
            TeamId = teamId,
            limits.MaxActiveSandboxes,
            limits.MaxVcpus,
            limits.MaxMemoryMb,
            limits.MaxPausedSandboxes,
        }, cancellationToken: ct)) == 1;
    }

    /// <summary>
    /// Holds the team's quota lock until <paramref name="transaction"/> ends: every request that could raise the team's
    /// usage takes it before counting, so two replicas can never both see room for one more.
    /// </summary>
    public static Task LockAsync(Guid teamId, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct) =>
        connection.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtextextended('team-quota:' || @TeamId::text, 0))", new { TeamId = teamId }, transaction, cancellationToken: ct));

    /// <summary>
    /// The team's usage (<see cref="QuotaRules"/>); with <paramref name="withBecomingPaused"/>, pausing sandboxes count as
    /// paused too. Read after <see cref="LockAsync"/> in the same transaction, its statement sees every earlier holder's commit.
    /// </summary>
    public async Task<QuotaUsage> UsageAsync(Guid teamId, bool withBecomingPaused, NpgsqlConnection? connection, NpgsqlTransaction? transaction, CancellationToken ct)
    {
        const string sql = $"""
            SELECT count(*) FILTER (WHERE active) AS active_sandboxes,
                   COALESCE(sum(vcpus) FILTER (WHERE active), 0) AS vcpus,
                   COALESCE(sum(memory_mb) FILTER (WHERE active), 0) AS memory_mb,
                   count(*) FILTER (WHERE paused) AS paused_sandboxes
              FROM (SELECT s.vcpus, s.memory_mb,
                           COALESCE(CASE WHEN s.status = '{SandboxStatusNames.Missing}' THEN s.lost_from ELSE s.status END = ANY(@Active), false) AS active,
                           COALESCE(CASE WHEN s.status = '{SandboxStatusNames.Missing}' THEN s.lost_from ELSE s.status END = ANY(@Paused), false) AS paused
                      FROM sandboxes s
                     WHERE s.team_id = @TeamId AND s.status <> '{SandboxStatusNames.Stopped}') counted
            """;
        await using var own = connection is null ? dataSource.CreateConnection() : null;
        return await (connection ?? own!).QuerySingleAsync<QuotaUsage>(new CommandDefinition(sql, new
        {
            TeamId = teamId,
            Active = ActiveWire,
            Paused = withBecomingPaused ? [.. PausedWire, .. BecomingPausedWire] : PausedWire,
        }, transaction, cancellationToken: ct));
    }
}
