namespace Lifecycle.ControlPlane.Capacity;

public static class CapacityServiceCollectionExtensions
{
    /// <summary>Host capacity: the overcommit ratios and the check that counts a request against its host.</summary>
    public static IServiceCollection AddCapacity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CapacityOptions>().Bind(configuration.GetSection(CapacityOptions.Section))
            .Validate(options => options.Invalid() is null, "Lifecycle:Capacity is invalid: the ratios must be above 0 (vCPUs at most 64, memory at most 4).")
            .ValidateOnStart();
        services.AddSingleton<HostCapacity>();
        return services;
    }
}
