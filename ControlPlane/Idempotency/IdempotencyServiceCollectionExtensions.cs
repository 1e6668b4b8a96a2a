namespace Lifecycle.ControlPlane.Idempotency;

public static class IdempotencyServiceCollectionExtensions
{
    /// <summary>Idempotency keys: their store, their retention, and the janitor that deletes expired ones.</summary>
    public static IServiceCollection AddIdempotency(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<IdempotencyOptions>(configuration.GetSection(IdempotencyOptions.Section));
        services.AddSingleton<IdempotencyStore>();
        services.AddSingleton<IdempotencyJanitor>();
        return services;
    }
}
