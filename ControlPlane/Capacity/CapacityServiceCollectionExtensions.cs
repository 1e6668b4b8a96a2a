namespace Lifecycle.ControlPlane.Capacity;

public static class CapacityServiceCollectionExtensions
{
    /// <summary>Host capacity: the overcommit ratios, the check that counts a request against its host, and the ledger's folds.</summary>
    public static IServiceCollection AddCapacity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CapacityOptions>().Bind(configuration.GetSection(CapacityOptions.Section))
            .Validate(options => options.Invalid() is null, "Lifecycle:Capacity is invalid: the ratios must be above 0 (vCPUs at most 64, memory at most 4) and FoldInterval above 0.")
            .ValidateOnStart();
        services.AddSingleton<HostCapacity>();
        services.AddSingleton<AllocationLedger>();
        return services;
    }
}
