using System.Diagnostics;

namespace Lifecycle.Tests;

/// <summary>
/// A throwaway Redis and Postgres of one's own, run by <c>scripts/servers.sh</c> on free ports in
/// a temporary folder. Either can be stopped and started again, for outage tests.
/// </summary>
public sealed class LocalServers : IAsyncDisposable
{
    private readonly string _dir;
    private readonly int _redisPort;
    private readonly int _postgresPort;

    private LocalServers(string dir, int redisPort, int postgresPort, string redis, string postgres)
    {
        _dir = dir;
        _redisPort = redisPort;
        _postgresPort = postgresPort;
        Redis = redis;
        Postgres = postgres;
    }

    public string Redis { get; }

    public string Postgres { get; }

    public static async Task<LocalServers> StartAsync()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"lifecycle-test-{Guid.NewGuid():N}");
        int redisPort = TestServers.FreePort(), postgresPort = TestServers.FreePort();
        var output = await RunAsync("start", dir, redisPort.ToString(), postgresPort.ToString());
        string? redis = null, postgres = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("redis=", StringComparison.Ordinal))
            {
                redis = line["redis=".Length..];
            }
            else if (line.StartsWith("postgres=", StringComparison.Ordinal))
            {
                postgres = line["postgres=".Length..];
            }
        }
        if (redis is null || postgres is null)
        {
            throw new InvalidOperationException($"scripts/servers.sh printed no connection strings:\n{output}");
        }
        return new LocalServers(dir, redisPort, postgresPort, redis, postgres);
    }

    /// <summary>Stops one server: "redis" or "postgres".</summary>
    public Task StopAsync(string which) => RunAsync("stop", _dir, which);

    /// <summary>Starts whichever of the two is down; the data of both survives.</summary>
    public Task StartAgainAsync() => RunAsync("start", _dir, _redisPort.ToString(), _postgresPort.ToString());

    public async ValueTask DisposeAsync()
    {
        await RunAsync("stop", _dir);
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<string> RunAsync(params string[] arguments)
    {
        var script = Path.Combine(TestServers.RepositoryRoot(), "scripts", "servers.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{script} {string.Join(' ', arguments)}' failed ({process.ExitCode}). Install the servers with " +
                "'scripts/install-deps.sh' (redis-server, postgresql), or point LIFECYCLE_TEST_REDIS and " +
                $"LIFECYCLE_TEST_POSTGRES at running ones.\n{await stderr}");
        }
        return await stdout;
    }
}
