using DotNet.Testcontainers.Builders;
using Lifecycle.Testing;
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
    private LocalServers? _local;

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
        if (_local is not null)
        {
            await _local.DisposeAsync();
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
        _local = await LocalServers.StartAsync();
        _redis ??= _local.Redis;
        _postgres ??= _local.Postgres;
    }
}
