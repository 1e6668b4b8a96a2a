using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// The one <see cref="NpgsqlDataSource"/> of a process, with two defaults that the connection string
/// may override. A profile of the create path showed Postgres spending its time parsing and planning
/// the same few statements and resetting every pooled session (<c>DISCARD ALL</c>), not executing them.
/// </summary>
public static class PostgresDataSource
{
    public static NpgsqlDataSource Create(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        // What the string itself says (Npgsql's builder answers ContainsKey for any keyword it knows).
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare"))
        {
            // Statements run again and again on a connection are prepared once and keep their plan.
            settings.MaxAutoPrepare = 64;
        }
        if (!given.ContainsKey("No Reset On Close"))
        {
            // Nothing here changes session state on a pooled connection (the ownership coordinator's session has a
            // connection of its own), so there is nothing to reset when one returns to the pool.
            settings.NoResetOnClose = true;
        }
        return NpgsqlDataSource.Create(settings.ConnectionString);
    }
}
