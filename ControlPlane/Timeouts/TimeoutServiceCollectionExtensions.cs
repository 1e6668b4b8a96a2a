namespace Lifecycle.ControlPlane.Timeouts;

public static class TimeoutServiceCollectionExtensions
{
    /// <summary>Time to live: the timeout and connect calls, host notices and the evictor; it expects the operations and the HostMonitor's shards registered.</summary>
    public static IServiceCollection AddTimeouts(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<TimeoutOptions>(configuration.GetSection(TimeoutOptions.Section));
        services.AddSingleton<TimeoutStore>();
        services.AddSingleton<HostDeadlines>();
        services.AddSingleton<SandboxTimeouts>();
        services.AddSingleton<Evictor>();
        return services;
    }
}
