using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;

namespace Lifecycle.Tests;

/// <summary>
/// One Redis and one Postgres for the whole run, real servers either way: the ones named by
/// <c>LIFECYCLE_TEST_REDIS</c> / <c>LIFECYCLE_TEST_POSTGRES</c>; else containers when a Docker
/// engine answers; else throwaway local processes (scripts/servers.sh) on free ports, removed afterwards.
/// Tests isolate themselves: a database per fixture, a key prefix per test.
/// </summary>
[SetUpFixture]
public sealed class TestServers
{
    private static string? _redis;
    private static string? _postgres;
    private readonly List<IAsyncDisposable> _containers = [];
    private string? _localDir;

    /// <summary>StackExchange.Redis configuration string.</summary>
    public static string Redis => _redis ?? throw new InvalidOperationException("test servers not started");

    /// <summary>Connection string of a database the tests may create databases from.</summary>
    public static string Postgres => _postgres ?? throw new InvalidOperationException("test servers not started");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _redis = Environment.GetEnvironmentVariable("LIFECYCLE_TEST_REDIS");
        _postgres = Environment.GetEnvironmentVariable("LIFECYCLE_TEST_POSTGRES");
        if (_redis is not null && _postgres is not null)
        {
            return;
        }
        if (await TryStartContainersAsync())
        {
            return;
        }
        await StartLocalProcessesAsync();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        foreach (var container in _containers)
        {
            await container.DisposeAsync();
        }
        if (_localDir is not null)
        {
            await RunServersScriptAsync("stop", _localDir);
            Directory.Delete(_localDir, recursive: true);
        }
    }

    private async Task<bool> TryStartContainersAsync()
    {
        try
        {
            if (_redis is null)
            {
                var redis = new RedisBuilder("redis:7-alpine").Build();
                _containers.Add(redis);
                await redis.StartAsync();
                _redis = redis.GetConnectionString();
            }
            if (_postgres is null)
            {
                var postgres = new PostgreSqlBuilder("postgres:16-alpine").Build();
                _containers.Add(postgres);
                await postgres.StartAsync();
                _postgres = postgres.GetConnectionString();
            }
            return true;
        }
        catch (DockerUnavailableException)
        {
            // Thrown already at Build() when no engine answers: use local processes instead.
            return false;
        }
    }

    private async Task StartLocalProcessesAsync()
    {
        _localDir = Path.Combine(Path.GetTempPath(), $"lifecycle-test-{Guid.NewGuid():N}");
        var output = await RunServersScriptAsync("start", _localDir, FreePort().ToString(), FreePort().ToString());
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("redis=", StringComparison.Ordinal))
            {
                _redis ??= line["redis=".Length..];
            }
            else if (line.StartsWith("postgres=", StringComparison.Ordinal))
            {
                _postgres ??= line["postgres=".Length..];
            }
        }
        if (_redis is null || _postgres is null)
        {
            throw new InvalidOperationException($"scripts/servers.sh printed no connection strings:\n{output}");
        }
    }

    private static async Task<string> RunServersScriptAsync(params string[] arguments)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "servers.sh");
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
                $"'scripts/install-deps.sh' (redis-server, postgresql), or point LIFECYCLE_TEST_REDIS and " +
                $"LIFECYCLE_TEST_POSTGRES at running ones.\n{await stderr}");
        }
        return await stdout;
    }

    /// <summary>The folder holding Lifecycle.sln, found from the test assembly's location.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lifecycle.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Lifecycle.sln not found above " + AppContext.BaseDirectory);
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
