using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Lifecycle.Infrastructure.Trust;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Infrastructure;

/// <summary>
/// Registers what every process shares (the control plane, <c>lifecyclectl</c>, the benchmarks):
/// the connections, the key names and the stores, bound from the same configuration sections.
/// </summary>
public static class InfrastructureServiceCollectionExtensions
{
    public static IServiceCollection AddLifecycleInfrastructure(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<PostgresOptions>(configuration.GetSection(PostgresOptions.Section));
        services.Configure<RedisOptions>(configuration.GetSection(RedisOptions.Section));
        services.Configure<StreamOptions>(configuration.GetSection(StreamOptions.Section));
        services.Configure<ReplicaOptions>(configuration.GetSection(ReplicaOptions.Section));
        services.Configure<OwnershipOptions>(configuration.GetSection(OwnershipOptions.Section));
        services.Configure<OutboxOptions>(configuration.GetSection(OutboxOptions.Section));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(sp => PostgresDataSource.Create(sp.GetRequiredService<IOptions<PostgresOptions>>().Value.ConnectionString));
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var redis = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<RedisOptions>>().Value.Configuration);
            // Start even while Redis is down, and reconnect by itself when it returns.
            redis.AbortOnConnectFail = false;
            return ConnectionMultiplexer.Connect(redis);
        });
        services.AddSingleton<StreamKeys>();
        services.AddSingleton<EventPublisher>();
        services.AddSingleton<OutboxStore>();
        services.AddSingleton<OutboxCounters>();
        services.AddSingleton<AtOnceSender>();
        services.AddSingleton<EventOutbox>();
        services.AddSingleton<ReconcileRequests>();
        services.AddSingleton<SandboxChanges>();
        services.AddSingleton<DeadLetters>();
        services.AddSingleton<StreamInspector>();
        services.AddSingleton<Migrator>();
        services.AddSingleton<SandboxStore>();
        services.AddSingleton<SandboxStops>();
        services.AddSingleton<TransitionHistoryStore>();
        services.AddSingleton<HostStore>();
        services.Configure<HostTrustOptions>(configuration.GetSection(HostTrustOptions.Section));
        services.AddSingleton<HostTrust>();
        services.AddSingleton<TlsRefusals>();
        services.AddSingleton<HostAgentClients>();
        return services;
    }

    /// <summary>
    /// This replica's share of the work: the coordinator that leases slots for every <see cref="ISlotWork"/>
    /// registered (stream partitions, shards of hosts). A process runs it as a hosted service where it should
    /// start and stop among its others: it stops the slots' work when it stops.
    /// </summary>
    public static IServiceCollection AddOwnershipCoordinator(this IServiceCollection services) =>
        services.AddSingleton<OwnershipCoordinator>();
}
