using Lifecycle.Consumers;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.ControlPlane.Dev;
using Lifecycle.ControlPlane.Drains;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Timeouts;
using Lifecycle.ControlPlane.Waiting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Ownership;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lifecycle.ControlPlane.Startup;

/// <summary>
/// The control plane's background services in the one order they start; the host stops them in the reverse
/// order. Each stands where it does for the reason beside it. The features register their parts as
/// singletons only; this is the one place that makes any of them a hosted service.
/// </summary>
public static class HostedServiceOrder
{
    public static IServiceCollection AddHostedServicesInOrder(this IServiceCollection services, bool runsHostMonitor)
    {
        // The schema first: it is current before any other service starts and before a request is accepted.
        Add<DatabaseMigrationService>(services);
        // Before any host is called: bad CA files stop the process here, and revoked certificates are loaded.
        Add<RevocationRefresher>(services);
        // Before anything records an event, and stopped after all that do: what is queued then is sent, or left to the relay.
        Add<AtOnceSender>(services);
        // The development team and key, once the schema exists.
        Add<DevModeSeeder>(services);
        // Listening before any change can be applied, so no waiting request misses one.
        Add<SandboxChangeListener>(services);
        // The slots' work before the coordinator that runs it: a partition or shard taken finds it started,
        // and it stops only after the coordinator has stopped running it.
        Add<EventAppliers>(services);
        if (runsHostMonitor)
        {
            Add<HostMonitor>(services);
        }
        Add<OwnershipCoordinator>(services);
        // After the coordinator, so they stop before it: operations drain while the consumers still run,
        // and their last events are applied.
        Add<BackgroundOperations>(services);
        // Last, so they stop first: no drain or eviction asks for an operation while the operations drain.
        Add<DrainDriver>(services);
        if (runsHostMonitor)
        {
            // Acts on the hosts the HostMonitor's shards hold, so only where it runs.
            Add<Evictor>(services);
        }
        // Touches only expired idempotency keys, which no request reads: any place after the schema would do.
        Add<IdempotencyJanitor>(services);
        // Folds rows that only readers of totals read, and no fold changes a total: likewise any place after the schema.
        Add<AllocationLedger>(services);
        return services;
    }

    private static void Add<T>(IServiceCollection services) where T : class, IHostedService
    {
        services.TryAddSingleton<T>();
        services.AddHostedService(sp => sp.GetRequiredService<T>());
    }
}
