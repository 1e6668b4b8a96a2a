namespace Lifecycle.ControlPlane.Drains;

public static class DrainServiceCollectionExtensions
{
    /// <summary>The drains: starting one, and the driver with its parts; it expects the operations and the HostMonitor's shards registered.</summary>
    public static IServiceCollection AddDrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DrainOptions>(configuration.GetSection(DrainOptions.Section));
        services.AddSingleton<HostDrains>();
        services.AddSingleton<DrainProgress>();
        services.AddSingleton<HostDrainer>();
        services.AddSingleton<DrainDriver>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(DrainProgress.MeterName));
        return services;
    }
}
