using DotNet.Testcontainers.Builders;
using Testcontainers.PostgreSql;
using Testcontainers.Redis;

namespace Lifecycle.Tests;

/// <summary>
/// One Redis and one Postgres for the whole run, real servers either way, started by the first test
/// that asks for either (a run of unit tests starts none) and stopped at the end: the ones named by
/// <c>LIFECYCLE_TEST_REDIS</c> / <c>LIFECYCLE_TEST_POSTGRES</c>; else containers when a Docker engine
/// answers; else throwaway local processes (scripts/servers.sh) on free ports, removed afterwards.
/// Tests isolate themselves: a database per fixture, a key prefix per test.
/// </summary>
[SetUpFixture]
public sealed class TestServers
{
    private static readonly Lock Gate = new();
    private static Task<Started>? _started;

    /// <summary>StackExchange.Redis configuration string.</summary>
    public static string Redis => Servers().Redis!;

    /// <summary>Connection string of a database the tests may create databases from.</summary>
    public static string Postgres => Servers().Postgres!;

    /// <summary>
    /// Blocks the first caller while the servers start: the addresses are read in many synchronous places,
    /// and tests run without a synchronization context a wait could deadlock.
    /// </summary>
    private static Started Servers()
    {
        Task<Started> started;
        lock (Gate)
        {
            started = _started ??= StartAsync();
        }
        return started.GetAwaiter().GetResult();
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        Task<Started>? started;
        lock (Gate)
        {
            started = _started;
            _started = null;
        }
        if (started is { IsCompletedSuccessfully: true })
        {
            await (await started).DisposeAsync();
        }
    }

    private static async Task<Started> StartAsync()
    {
        var started = new Started
        {
            Redis = Environment.GetEnvironmentVariable("LIFECYCLE_TEST_REDIS"),
            Postgres = Environment.GetEnvironmentVariable("LIFECYCLE_TEST_POSTGRES"),
        };
        if (started.Redis is not null && started.Postgres is not null)
        {
            return started;
        }
        if (!await started.TryStartContainersAsync())
        {
            await started.StartLocalProcessesAsync();
        }
        return started;
    }

    /// <summary>The run's two servers, and whatever was started to provide them.</summary>
    private sealed class Started : IAsyncDisposable
    {
        private readonly List<IAsyncDisposable> _containers = [];
        private LocalServers? _local;

        /// <summary>Null until provided: by the environment, a container or a local process.</summary>
        public string? Redis { get; set; }

        public string? Postgres { get; set; }

        public async ValueTask DisposeAsync()
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

        public async Task<bool> TryStartContainersAsync()
        {
            try
            {
                if (Redis is null)
                {
                    var redis = new RedisBuilder("redis:7-alpine").Build();
                    _containers.Add(redis);
                    await redis.StartAsync();
                    Redis = redis.GetConnectionString();
                }
                if (Postgres is null)
                {
                    var postgres = new PostgreSqlBuilder("postgres:16-alpine").Build();
                    _containers.Add(postgres);
                    await postgres.StartAsync();
                    Postgres = postgres.GetConnectionString();
                }
                return true;
            }
            catch (DockerUnavailableException)
            {
                // Thrown already at Build() when no engine answers: use local processes instead.
                return false;
            }
        }

        public async Task StartLocalProcessesAsync()
        {
            _local = await LocalServers.StartAsync();
            Redis ??= _local.Redis;
            Postgres ??= _local.Postgres;
        }
    }
}
