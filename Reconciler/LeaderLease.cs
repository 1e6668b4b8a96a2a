using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lifecycle.Reconciler;

/// <summary>
/// Leadership of the HostMonitor: a Postgres session-level advisory lock held on a dedicated,
/// unpooled connection. Postgres releases it when the session ends: at once when the leader's
/// process dies, and after <c>idle_session_timeout</c> (the lease period) when the leader is cut off
/// and stops checking in. No fencing token is needed: the HostMonitor writes nothing but events, and
/// a deposed leader's late events meet the same compare-and-set and version fence as any other.
/// </summary>
public sealed partial class LeaderLease(string connectionString, TimeSpan period, ILogger logger) : IAsyncDisposable
{
    /// <summary>The lock's key: "Lifecycl" in ASCII; <c>pg_locks</c> shows it as classid 1281975909, objid 1668899692.</summary>
    public const long LockKey = 0x4C6966656379636C;

    private NpgsqlConnection? _connection;

    public bool Held => _connection is not null;

    /// <summary>True when this replica holds the lease now (it may already have).</summary>
    public async Task<bool> TryAcquireAsync(CancellationToken ct)
    {
        if (_connection is not null)
        {
            return true;
        }
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ApplicationName = "lifecycle-host-monitor-lease",
            Timeout = Math.Max(1, (int)period.TotalSeconds),
            CommandTimeout = Math.Max(1, (int)period.TotalSeconds),
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            await using (var idle = new NpgsqlCommand($"SET idle_session_timeout = {(long)period.TotalMilliseconds}", connection))
            {
                await idle.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            }
            await using var command = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection);
            command.Parameters.AddWithValue("key", LockKey);
            if (await command.ExecuteScalarAsync(ct).ConfigureAwait(false) is true)
            {
                _connection = connection;
                return true;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            LogUnavailable(ex.Message);
        }
        await connection.DisposeAsync().ConfigureAwait(false);
        return false;
    }

    /// <summary>Checks in on the lease's session; false (and the lease dropped) when it is gone.</summary>
    public async Task<bool> StillHeldAsync(CancellationToken ct)
    {
        if (_connection is not { } connection)
        {
            return false;
        }
        try
        {
            await using var command = new NpgsqlCommand("SELECT 1", connection);
            await command.ExecuteScalarAsync(ct).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
        {
            LogLost(ex.Message);
            await ReleaseAsync().ConfigureAwait(false);
            return false;
        }
    }

    /// <summary>Gives the lease up; ending the session releases the lock.</summary>
    public async Task ReleaseAsync()
    {
        if (Interlocked.Exchange(ref _connection, null) is { } connection)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public ValueTask DisposeAsync() => new(ReleaseAsync());

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor lease: Postgres unavailable ({Error}); will try again")]
    private partial void LogUnavailable(string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor lease lost: {Error}")]
    private partial void LogLost(string error);
}
