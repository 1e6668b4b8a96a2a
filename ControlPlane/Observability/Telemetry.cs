using Lifecycle.Consumers;
using Lifecycle.Reconciler;
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
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(ApplyCounters.MeterName, ReconcileCounters.MeterName)
            .AddAspNetCoreInstrumentation()
            .AddPrometheusExporter());
        services.AddHealthChecks()
            .AddCheck<PostgresReadiness>("postgres")
            .AddCheck<RedisReadiness>("redis");
        return services;
    }

    public static WebApplication MapLifecycleTelemetry(this WebApplication app)
    {
        app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting();
        app.MapHealthChecks("/readyz").DisableRateLimiting();
        return app;
    }
}
