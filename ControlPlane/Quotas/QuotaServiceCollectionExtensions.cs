namespace Lifecycle.ControlPlane.Quotas;

public static class QuotaServiceCollectionExtensions
{
    /// <summary>Team quotas: their store, their defaults and the gate that counts a request against them.</summary>
    public static IServiceCollection AddQuotas(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<QuotaOptions>(configuration.GetSection(QuotaOptions.Section));
        services.AddSingleton<QuotaStore>();
        services.AddSingleton<TeamQuotas>();
        return services;
    }
}
