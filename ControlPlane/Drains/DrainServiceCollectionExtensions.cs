namespace Lifecycle.ControlPlane.Drains;

public static class DrainServiceCollectionExtensions
{
    /// <summary>The drain driver and its parts; it expects the operations and the HostMonitor's shards registered.</summary>
    public static IServiceCollection AddDrains(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DrainOptions>(configuration.GetSection(DrainOptions.Section));
        services.AddSingleton<DrainProgress>();
        services.AddSingleton<HostDrainer>();
        services.AddSingleton<DrainDriver>();
        services.AddHostedService(sp => sp.GetRequiredService<DrainDriver>());
        services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(DrainProgress.MeterName));
        return services;
    }
}
