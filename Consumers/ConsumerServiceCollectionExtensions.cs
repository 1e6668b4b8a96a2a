using Lifecycle.Infrastructure.Ownership;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lifecycle.Consumers;

/// <summary>
/// Registers this replica's consumers, one per event partition it owns, as the work of the partitions' slots
/// (<see cref="ISlotWork"/>). The process runs <see cref="EventAppliers"/> as a hosted service where it orders them.
/// </summary>
public static class ConsumerServiceCollectionExtensions
{
    public static IServiceCollection AddEventAppliers(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApplierOptions>(configuration.GetSection(ApplierOptions.Section));
        services.AddSingleton<ApplyCounters>();
        services.AddSingleton<StreamMaintenance>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BatchApplier>();
        services.AddSingleton<EventAppliers>();
        services.AddSingleton<ISlotWork>(sp => sp.GetRequiredService<EventAppliers>());
        return services;
    }
}
