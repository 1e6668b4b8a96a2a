using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lifecycle.Client;

/// <summary>Registers <see cref="LifecycleClient"/> as a typed HTTP client with the same retries as one made with <c>new</c>.</summary>
public static class LifecycleServiceCollectionExtensions
{
    private const string PipelineName = "lifecycle-retries";

    /// <summary>
    /// <see cref="LifecycleClient"/> for injection, configured by <paramref name="configure"/>. The builder returned takes more
    /// handlers (they run inside the retries, once per attempt) or another primary handler.
    /// </summary>
    public static IHttpClientBuilder AddLifecycleClient(this IServiceCollection services, Action<LifecycleClientOptions> configure)
    {
        services.AddOptions<LifecycleClientOptions>().Configure(configure);
        var client = services.AddHttpClient(nameof(LifecycleClient))
            .AddTypedClient((http, provider) => new LifecycleClient(http, Options(provider)));
        client.AddResilienceHandler(PipelineName, (pipeline, context) => Retries.Configure(pipeline, Options(context.ServiceProvider)));
        return client;
    }

    private static LifecycleClientOptions Options(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<LifecycleClientOptions>>().Value;
}
