using Dapper;
using Lifecycle.Core.Security;
using Npgsql;

namespace Lifecycle.Core.Store;

/// <summary>Owns <c>teams</c> and <c>api_keys</c>.</summary>
public sealed class TeamStore(NpgsqlDataSource dataSource)
{
    /// <summary>The team a live API key belongs to, or null.</summary>
    public async Task<Guid?> FindTeamByKeyAsync(string apiKey, CancellationToken ct)
    {
        const string sql = "SELECT team_id FROM api_keys WHERE key_hash = @KeyHash AND revoked_at IS NULL";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(sql, new { KeyHash = SecretHash.Of(apiKey) }, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>Creates the team if it is new and adds the key to it; returns the team id. Idempotent.</summary>
    public async Task<Guid> EnsureTeamWithKeyAsync(string teamName, string apiKey, CancellationToken ct)
    {
        const string sql = """
            WITH team AS (
                INSERT INTO teams (id, name) VALUES (@NewTeamId, @Name)
                ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
                RETURNING id
            ), key AS (
                INSERT INTO api_keys (id, team_id, key_hash)
                SELECT @KeyId, team.id, @KeyHash FROM team
                ON CONFLICT (key_hash) DO NOTHING
            )
            SELECT id FROM team
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleAsync<Guid>(new CommandDefinition(sql, new
        {
            NewTeamId = Guid.CreateVersion7(),
            Name = teamName,
            KeyId = Guid.CreateVersion7(),
            KeyHash = SecretHash.Of(apiKey),
        }, cancellationToken: ct)).ConfigureAwait(false);
    }
}
