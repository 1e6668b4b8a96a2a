using Dapper;
using Lifecycle.Core.Security;
using Npgsql;

namespace Lifecycle.Core.Store;

/// <summary>Owns <c>hosts</c>.</summary>
public sealed class HostStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Registers an online host by name, or updates the address of the one with that name; returns
    /// its id. The token is stored hashed.
    /// </summary>
    public async Task<Guid> RegisterAsync(string name, string grpcAddress, string token, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO hosts (id, name, grpc_address, token_hash, status, last_heartbeat_at)
            VALUES (@Id, @Name, @GrpcAddress, @TokenHash, 'online', now())
            ON CONFLICT (name) DO UPDATE SET grpc_address = EXCLUDED.grpc_address, token_hash = EXCLUDED.token_hash
            RETURNING id
            """;
        await using var conn = dataSource.CreateConnection();
        return await conn.QuerySingleAsync<Guid>(new CommandDefinition(sql, new
        {
            Id = Guid.CreateVersion7(),
            Name = name,
            GrpcAddress = grpcAddress,
            TokenHash = SecretHash.Of(token),
        }, cancellationToken: ct)).ConfigureAwait(false);
    }
}
