using System.Diagnostics;
using System.Globalization;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The soak's own Redis (append-only file) and durable Postgres, run by <c>scripts/servers.sh</c> in the
/// run's folder, and the crashes done to them: <c>kill -9</c> of Redis, Postgres stopped <c>-m immediate</c>.
/// Starting again is the same <c>servers.sh start</c> on the same folder and ports.
/// </summary>
public sealed class ChaosServers
{
    private readonly string _dir;
    private readonly int _redisPort;
    private readonly int _postgresPort;

    private ChaosServers(string dir, int redisPort, int postgresPort)
    {
        _dir = dir;
        _redisPort = redisPort;
        _postgresPort = postgresPort;
    }

    public string Redis => $"127.0.0.1:{_redisPort}";

    public string Postgres => $"Host=127.0.0.1;Port={_postgresPort};Username=lifecycle;Database=lifecycle";

    /// <summary>For the soak's own reads and locks: no pool, so a connection broken by a Postgres crash is never reused.</summary>
    public string PostgresUnpooled => Postgres + ";Pooling=false";

    public static async Task<ChaosServers> StartAsync(string dir)
    {
        int redisPort = LocalServers.FreePort(), postgresPort;
        while ((postgresPort = LocalServers.FreePort()) == redisPort)
        {
        }
        var servers = new ChaosServers(dir, redisPort, postgresPort);
        await servers.StartAgainAsync();
        return servers;
    }

    /// <summary>Starts whichever is down; both keep their data.</summary>
    public Task StartAgainAsync() =>
        Script("start", _dir, _redisPort.ToString(CultureInfo.InvariantCulture), _postgresPort.ToString(CultureInfo.InvariantCulture));

    public Task StopAsync() => Script("stop", _dir);

    /// <summary>SIGKILL (<c>servers.sh crash DIR redis</c>): whatever the append-only file had not synced yet (up to a second) is lost.</summary>
    public Task KillRedisAsync() => Script("crash", _dir, "redis");

    /// <summary>Immediate shutdown (<c>servers.sh crash DIR postgres</c>): no checkpoint, crash recovery from the WAL on the next start.</summary>
    public Task StopPostgresImmediatelyAsync() => Script("crash", _dir, "postgres");

    internal static Task Script(params string[] arguments) =>
        Run("bash", [Path.Combine(LocalServers.RepositoryRoot(), "scripts", "servers.sh"), .. arguments]);

    private static async Task Run(string file, string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // Durable, as in production (the script's default): a crash of Postgres must not lose committed transitions.
        start.Environment.Remove("LIFECYCLE_PG_FAST");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"'{file} {string.Join(' ', arguments)}' failed ({process.ExitCode}):\n{await stdout}{await stderr}");
        }
    }
}
