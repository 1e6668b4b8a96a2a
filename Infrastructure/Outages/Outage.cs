using System.Net.Sockets;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Infrastructure.Outages;

/// <summary>What an exception says about the servers behind it.</summary>
public enum OutageKind
{
    /// <summary>Not an outage: a bug, a constraint, bad data. It stays a 500.</summary>
    None,

    /// <summary>Postgres could not be reached: nothing was sent, so repeating the work is always safe.</summary>
    PostgresUnreachable,

    /// <summary>
    /// A Postgres connection broke in use (a restarted server's pooled connection, or a server that died
    /// mid-statement). Usually nothing ran, but a statement may have committed before the break.
    /// </summary>
    PostgresBroken,

    /// <summary>Redis could not be reached or did not answer in time.</summary>
    Redis,
}

/// <summary>
/// The one place that tells an outage (a server away or restarting) from a real failure, so every
/// part answers, retries and logs outages alike.
/// </summary>
public static class Outage
{
    public static OutageKind Classify(Exception exception) => exception switch
    {
        PostgresException postgres => OfSqlState(postgres.SqlState),
        NpgsqlException npgsql => OfConnectionFailure(npgsql.InnerException),
        RedisConnectionException or RedisTimeoutException => OutageKind.Redis,
        _ => OutageKind.None,
    };

    // Class 08 is connection exceptions; 57P01-57P03 a server shutting down, crashing or starting up;
    // 57P05 an idle session ended; 53300 too many connections (refused at connect).
    private static OutageKind OfSqlState(string sqlState) => sqlState switch
    {
        "57P03" or "53300" or "08001" or "08004" => OutageKind.PostgresUnreachable,
        "57P01" or "57P02" or "57P05" => OutageKind.PostgresBroken,
        _ when sqlState.StartsWith("08", StringComparison.Ordinal) => OutageKind.PostgresBroken,
        _ => OutageKind.None,
    };

    // Npgsql wraps socket and stream failures in a bare NpgsqlException. A refused or unroutable
    // connection can only happen while connecting; a reset or an end of stream happens in use.
    private static OutageKind OfConnectionFailure(Exception? inner) => inner switch
    {
        SocketException
        {
            SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable
            or SocketError.NetworkUnreachable or SocketError.HostNotFound or SocketError.TryAgain
        } => OutageKind.PostgresUnreachable,
        // A timeout may be a connect or a pool wait, but also a statement that ran too long: counted as
        // broken, since the statement may have run.
        SocketException or IOException or TimeoutException => OutageKind.PostgresBroken,
        _ => OutageKind.None,
    };
}
