using Dapper;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Trust;
using Npgsql;

namespace Lifecycle.ControlPlane.Teams;

/// <summary>Owns <c>teams</c> and <c>api_keys</c>.</summary>
public sealed class TeamStore(NpgsqlDataSource dataSource)
{
    static TeamStore() => DapperMapping.Apply();

    /// <summary>The team a live API key belongs to, or null.</summary>
    public async Task<Guid?> FindTeamByKeyAsync(string apiKey, CancellationToken ct)
    {
        const string sql = "SELECT team_id FROM api_keys WHERE key_hash = @KeyHash AND revoked_at IS NULL";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<Guid?>(
            new CommandDefinition(sql, new { KeyHash = SecretHash.Of(apiKey) }, cancellationToken: ct));
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
        }, cancellationToken: ct));
    }

    /// <summary>A new team; null when the name is taken.</summary>
    public async Task<TeamRow?> CreateTeamAsync(string name, CancellationToken ct)
    {
        const string sql = "INSERT INTO teams (id, name) VALUES (@Id, @Name) ON CONFLICT (name) DO NOTHING RETURNING id, name, created_at";
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<TeamRow>(
            new CommandDefinition(sql, new { Id = Guid.CreateVersion7(), Name = name }, cancellationToken: ct));
    }

    public async Task<IReadOnlyList<TeamRow>> ListTeamsAsync(CancellationToken ct)
    {
        const string sql = "SELECT id, name, created_at FROM teams ORDER BY name";
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<TeamRow>(new CommandDefinition(sql, cancellationToken: ct))).AsList();
    }

    /// <summary>Adds a key (stored as its hash) to a team; null when the team does not exist.</summary>
    public async Task<ApiKeyRow?> AddKeyAsync(Guid teamId, string apiKey, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO api_keys (id, team_id, key_hash)
            SELECT @Id, t.id, @KeyHash FROM teams t WHERE t.id = @TeamId
            RETURNING id, team_id, created_at, revoked_at
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<ApiKeyRow>(new CommandDefinition(sql, new
        {
            Id = Guid.CreateVersion7(),
            TeamId = teamId,
            KeyHash = SecretHash.Of(apiKey),
        }, cancellationToken: ct));
    }

    /// <summary>Revokes a team's key; it stops working on the next request. Null when no such key; repeating changes nothing.</summary>
    public async Task<ApiKeyRow?> RevokeKeyAsync(Guid teamId, Guid keyId, CancellationToken ct)
    {
        const string sql = """
            UPDATE api_keys SET revoked_at = COALESCE(revoked_at, now())
             WHERE id = @KeyId AND team_id = @TeamId
            RETURNING id, team_id, created_at, revoked_at
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleOrDefaultAsync<ApiKeyRow>(
            new CommandDefinition(sql, new { TeamId = teamId, KeyId = keyId }, cancellationToken: ct));
    }
}

public sealed record TeamRow(Guid Id, string Name, DateTime CreatedAt);

public sealed record ApiKeyRow(Guid Id, Guid TeamId, DateTime CreatedAt, DateTime? RevokedAt);
