using System.Globalization;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// Applies the numbered files of <c>sql/</c> (embedded in this assembly) that the database has not
/// seen, each in its own transaction, under an advisory lock so replicas starting together take turns.
/// </summary>
public sealed partial class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    // Any constant unique to this purpose; every replica must use the same one.
    private const long LockKey = 0x4C69666563796331;

    private const string LockSql = "SELECT pg_advisory_lock(@LockKey)";
    private const string UnlockSql = "SELECT pg_advisory_unlock(@LockKey)";
    private const string CreateTableSql = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version     integer PRIMARY KEY,
            name        text NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now()
        )
        """;
    private const string AppliedSql = "SELECT version FROM schema_migrations";
    private const string RecordSql = "INSERT INTO schema_migrations (version, name) VALUES (@Version, @Name)";

    public sealed record Migration(int Version, string Name, string Sql);

    /// <summary>The migrations this build carries, in order.</summary>
    public static IReadOnlyList<Migration> Embedded { get; } = LoadEmbedded();

    /// <summary>Embedded migrations this database has not applied yet (none once start-up has run).</summary>
    public async Task<IReadOnlyList<Migration>> PendingAsync(CancellationToken ct)
    {
        await using var conn = dataSource.CreateConnection();
        var applied = (await conn.QueryAsync<int>(new CommandDefinition(AppliedSql, cancellationToken: ct))).ToHashSet();
        return [.. Embedded.Where(m => !applied.Contains(m.Version))];
    }

    public async Task ApplyAsync(CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(LockSql, new { LockKey }, cancellationToken: ct));
        try
        {
            await conn.ExecuteAsync(new CommandDefinition(CreateTableSql, cancellationToken: ct));
            var applied = (await conn.QueryAsync<int>(new CommandDefinition(AppliedSql, cancellationToken: ct))).ToHashSet();
            foreach (var migration in Embedded.Where(m => !applied.Contains(m.Version)))
            {
                await using var tx = await conn.BeginTransactionAsync(ct);
                await conn.ExecuteAsync(new CommandDefinition(migration.Sql, transaction: tx, cancellationToken: ct));
                await conn.ExecuteAsync(new CommandDefinition(RecordSql, new { migration.Version, migration.Name }, tx, cancellationToken: ct));
                await tx.CommitAsync(ct);
                logger.LogInformation("Applied migration {Version} {Name}", migration.Version, migration.Name);
            }
        }
        finally
        {
            // Unlock even when cancelled. Pooled sessions are not reset on return (PostgresDataSource),
            // so a connection that could not unlock must not go back to the pool still holding the lock.
            try
            {
                await conn.ExecuteAsync(UnlockSql, new { LockKey });
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                NpgsqlConnection.ClearPool(conn);
            }
        }
    }

    private static List<Migration> LoadEmbedded()
    {
        var assembly = typeof(Migrator).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith("sql/", StringComparison.Ordinal)))
        {
            var name = resource["sql/".Length..];
            var match = FileName().Match(name);
            if (!match.Success)
            {
                throw new InvalidOperationException($"migration file '{name}' is not named NNN_description.sql");
            }
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            migrations.Add(new Migration(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), name, reader.ReadToEnd()));
        }
        return [.. migrations.OrderBy(m => m.Version)];
    }

    [GeneratedRegex(@"^(\d+)_[a-z0-9_]+\.sql$")]
    private static partial Regex FileName();
}
