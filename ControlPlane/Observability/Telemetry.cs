using Lifecycle.Consumers;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Waiting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Streams;
using Lifecycle.Infrastructure.Trust;
using OpenTelemetry.Metrics;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// <c>/metrics</c> (Prometheus text, from OpenTelemetry: the consumer's and the HostMonitor's meters
/// and ASP.NET Core's request metrics by route and status) and <c>/readyz</c> (Redis and Postgres
/// reachable, migrations applied). <c>/healthz</c> says only that the process is alive.
/// </summary>
public static class Telemetry
{
    public static IServiceCollection AddLifecycleTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<ClusterGauges>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EventPublisher.MeterName, ApplyCounters.MeterName, ReconcileCounters.MeterName, OperationCounters.MeterName, ClusterGauges.MeterName, SandboxChangeListener.MeterName, TlsRefusals.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        services.AddHealthChecks()
            .AddCheck<PostgresReadiness>("postgres")
            .AddCheck<RedisReadiness>("redis");
        return services;
    }

    public static WebApplication MapLifecycleTelemetry(this WebApplication app)
    {
        // Made now, so its gauges exist from the first scrape.
        app.Services.GetRequiredService<ClusterGauges>();
        app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting()
            .WithName("getMetrics").WithSummary("Prometheus metrics").WithTags("health")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/plain"]));
        app.MapHealthChecks("/readyz").DisableRateLimiting()
            .WithName("getReadiness").WithSummary("Whether Redis and Postgres answer and every migration is applied").WithTags("health")
            .WithMetadata(
                new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/plain"]),
                new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(string), ["text/plain"]));
        return app;
    }
}
