using Lifecycle.Infrastructure.Ownership;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lifecycle.HostMonitoring;

public static class HostMonitorServiceCollectionExtensions
{
    /// <summary>The HostMonitor and its parts; it expects the infrastructure's stores, publisher and host clients registered.</summary>
    public static IServiceCollection AddHostMonitor(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<HostMonitorOptions>(configuration.GetSection(HostMonitorOptions.Section));
        services.AddSingleton<ReconcileCounters>();
        services.AddSingleton<BrakeRefusalStore>();
        services.AddSingleton<OrphanSightingStore>();
        services.AddSingleton(sp => new SafetyBrake(
            sp.GetRequiredService<BrakeRefusalStore>(),
            sp.GetRequiredService<IOptions<HostMonitorOptions>>().Value.BrakeShare,
            sp.GetRequiredService<IOptions<HostMonitorOptions>>().Value.BrakeMinSandboxes));
        services.AddSingleton(sp => new OrphanTracker(
            sp.GetRequiredService<OrphanSightingStore>(),
            sp.GetRequiredService<IOptions<HostMonitorOptions>>().Value.OrphanGrace));
        services.AddSingleton<RecordedEvents>();
        services.AddSingleton<HostReconcile>();
        services.AddSingleton<ReconcilePass>();
        services.AddSingleton<PassRequests>();
        services.AddSingleton<HostShards>();
        services.AddSingleton<HostMonitor>();
        if (HostMonitorOptions.IsEnabled(configuration))
        {
            // Only a replica that runs the HostMonitor (as a hosted service, where the process orders it) takes shards of hosts.
            services.AddSingleton<ISlotWork>(sp => sp.GetRequiredService<HostShards>());
        }
        return services;
    }
}
