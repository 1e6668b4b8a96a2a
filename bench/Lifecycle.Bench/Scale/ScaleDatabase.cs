using Dapper;
using Npgsql;

namespace Lifecycle.Bench.Scale;

/// <summary>Empties the fleet's tables between the part's measurements, so each starts at the same table size.</summary>
public static class ScaleDatabase
{
    public static async Task EmptyAsync(NpgsqlDataSource dataSource)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("TRUNCATE sandbox_transitions, sandboxes, hosts, host_allocations CASCADE");
        await conn.ExecuteAsync("VACUUM ANALYZE");
    }
}
