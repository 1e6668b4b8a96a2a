using Dapper;
using Npgsql;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// Owns <c>orphan_sightings</c>: since when each orphan VM on a host has been seen, on Postgres's clock,
/// so a grace runs on one clock however many replicas take turns seeing the orphan.
/// </summary>
public sealed class OrphanSightingStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Records that a pass over the host saw these orphans and no others (the host's others are
    /// forgotten), and returns those of them first seen at least <paramref name="grace"/> ago. One round
    /// trip, writing only what changed. One seen for the first time is never returned: the select reads
    /// the table as it was before the statement.
    /// </summary>
    public async Task<IReadOnlyList<string>> SeenForAsync(Guid hostId, IReadOnlyCollection<string> sandboxIds, TimeSpan grace, CancellationToken ct)
    {
        const string sql = """
            WITH forgotten AS (
                DELETE FROM orphan_sightings WHERE host_id = @HostId AND sandbox_id <> ALL(@SandboxIds)
            ), first_seen AS (
                INSERT INTO orphan_sightings (host_id, sandbox_id)
                SELECT @HostId, id FROM unnest(@SandboxIds) AS id
                ON CONFLICT (host_id, sandbox_id) DO NOTHING
            )
            SELECT sandbox_id FROM orphan_sightings
             WHERE host_id = @HostId AND sandbox_id = ANY(@SandboxIds) AND first_seen <= now() - @Grace
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<string>(new CommandDefinition(sql, new
        {
            HostId = hostId,
            SandboxIds = sandboxIds.ToArray(),
            Grace = grace,
        }, cancellationToken: ct))).AsList();
    }

    /// <summary>Forgets one orphan, destroyed: should its id show up again, its grace starts over.</summary>
    public async Task ForgetAsync(Guid hostId, string sandboxId, CancellationToken ct)
    {
        const string sql = "DELETE FROM orphan_sightings WHERE host_id = @HostId AND sandbox_id = @SandboxId";
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, new { HostId = hostId, SandboxId = sandboxId }, cancellationToken: ct));
    }
}
