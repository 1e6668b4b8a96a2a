using Dapper;
using Npgsql;

namespace Lifecycle.HostMonitoring;

/// <summary>Owns <c>brake_refusals</c>: the destructive decisions the safety brake last withheld on each host.</summary>
public sealed class BrakeRefusalStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Records what a pass withheld on the host and returns what the pass before withheld there (empty
    /// when it withheld nothing). One round trip; the row is rewritten only when the keys differ.
    /// </summary>
    /// <param name="keys">In a stable order, so an unchanged refusal compares equal and is not rewritten.</param>
    public async Task<IReadOnlySet<string>> ReplaceAsync(Guid hostId, IReadOnlyCollection<string> keys, CancellationToken ct)
    {
        const string sql = """
            WITH previous AS (
                SELECT decision_keys FROM brake_refusals WHERE host_id = @HostId
            ), refused AS (
                INSERT INTO brake_refusals (host_id, decision_keys) VALUES (@HostId, @Keys)
                ON CONFLICT (host_id) DO UPDATE SET decision_keys = EXCLUDED.decision_keys, refused_at = now()
                 WHERE brake_refusals.decision_keys IS DISTINCT FROM EXCLUDED.decision_keys
            )
            SELECT unnest(decision_keys) FROM previous
            """;
        await using var conn = dataSource.CreateConnection();
        var previous = await conn.QueryAsync<string>(new CommandDefinition(sql, new { HostId = hostId, Keys = keys.ToArray() }, cancellationToken: ct));
        return previous.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Forgets the host's refusal: its last pass withheld nothing. Writes only when there was one.</summary>
    public async Task ForgetAsync(Guid hostId, CancellationToken ct)
    {
        const string sql = "DELETE FROM brake_refusals WHERE host_id = @HostId";
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, new { HostId = hostId }, cancellationToken: ct));
    }
}
