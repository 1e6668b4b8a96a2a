using Lifecycle.Cli.Rendering;
using Lifecycle.Infrastructure;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Cli;

/// <summary>One command's run: the stores and connections it needs (made on first use), and where it writes.</summary>
public sealed class CliSession(IServiceProvider services, Output output, IConfiguration configuration) : IAsyncDisposable
{
    public Output Output => output;

    public TimeProvider Clock => services.GetRequiredService<TimeProvider>();

    public StreamKeys Keys => services.GetRequiredService<StreamKeys>();

    public IDatabase Redis => services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    /// <summary>When the HostMonitor calls a host silent, and when a host not reconciled is overdue, as the control plane's settings say.</summary>
    public HostMonitorTimes HostMonitor => HostMonitorTimes.From(configuration);

    /// <summary>The leases of the shards of hosts, in slot order: who reconciles which host.</summary>
    public async Task<IReadOnlyList<LeaseStore.Lease>> ShardLeasesAsync(CancellationToken ct) =>
        ReconcileView.ShardLeases(await LeaseStore.ListAsync(Get<Npgsql.NpgsqlDataSource>(), Get<IOptions<OwnershipOptions>>().Value.LeasePeriod, ct));

    public T Get<T>()
        where T : notnull => services.GetRequiredService<T>();

    /// <summary>Where Redis is, for an error message (the configuration string, never a password).</summary>
    public string RedisEndpoint => ConfigurationOptions.Parse(configuration[$"{RedisOptions.Section}:Configuration"] ?? "").ToString(includePassword: false);

    /// <summary>Where Postgres is, for an error message (host, port and database, never a password).</summary>
    public string PostgresEndpoint
    {
        get
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(configuration[$"{PostgresOptions.Section}:ConnectionString"] ?? "");
            return $"{builder.Host}:{builder.Port}/{builder.Database}";
        }
    }

    public static CliSession Create(IConfiguration configuration, Output output)
    {
        var services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(NullLoggerFactory.Instance)
            .AddSingleton(typeof(ILogger<>), typeof(NullLogger<>))
            .AddLifecycleInfrastructure(configuration)
            .AddSingleton<IConnectionMultiplexer>(sp => ConnectionMultiplexer.Connect(FailFast(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration)))
            .BuildServiceProvider();
        return new CliSession(services, output, configuration);
    }

    /// <summary>
    /// Unlike the control plane, which waits for Redis to come back, a command gives up on an unreachable
    /// Redis within a couple of seconds (unless the configuration string says otherwise) and says so.
    /// </summary>
    private static ConfigurationOptions FailFast(string configuration)
    {
        var redis = ConfigurationOptions.Parse(configuration);
        redis.AbortOnConnectFail = true;
        if (!configuration.Contains("connectTimeout", StringComparison.OrdinalIgnoreCase))
        {
            redis.ConnectTimeout = (int)ConnectTimeout.TotalMilliseconds;
        }
        return redis;
    }

    /// <summary>How long a command waits for Redis or Postgres to accept a connection, unless configured.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(2);

    public async ValueTask DisposeAsync()
    {
        if (services is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }
}
