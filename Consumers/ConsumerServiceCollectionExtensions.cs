using Microsoft.Extensions.Configuration;
using Lifecycle.Core.Streams;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Lifecycle.Consumers;

/// <summary>Registers this process's member of the applier consumer group.</summary>
public static class ConsumerServiceCollectionExtensions
{
    public static IServiceCollection AddEventAppliers(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<ApplierOptions>(configuration.GetSection(ApplierOptions.Section));
        services.AddSingleton<ApplyCounters>();
        services.TryAddSingleton<DeadLetters>();
        services.AddSingleton<StreamMaintenance>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<BatchApplier>();
        services.AddSingleton<EventApplier>();
        services.AddHostedService(sp => sp.GetRequiredService<EventApplier>());
        return services;
    }
}
