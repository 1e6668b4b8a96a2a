using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Lifecycle.Tests;

/// <summary>A fresh, migrated database of its own, dropped on dispose.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly string _admin;

    private TestDatabase(string admin, string name, string connectionString)
    {
        _admin = admin;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <param name="server">A connection string to the server to create it on; the shared test server by default.</param>
    public static async Task<TestDatabase> CreateAsync(string? server = null)
    {
        server ??= TestServers.Postgres;
        var name = $"test_{Guid.NewGuid():N}";
        await using (var admin = NpgsqlDataSource.Create(server))
        {
            await using var create = admin.CreateCommand($"CREATE DATABASE {name}");
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        var database = new TestDatabase(server, name, connectionString);
        await new Migrator(database.DataSource, NullLogger<Migrator>.Instance).ApplyAsync(CancellationToken.None);
        return database;
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = NpgsqlDataSource.Create(_admin);
        await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
        await drop.ExecuteNonQueryAsync();
    }
}
