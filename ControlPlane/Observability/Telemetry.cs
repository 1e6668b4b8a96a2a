using Lifecycle.Consumers;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Waiting;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Lifecycle.Infrastructure.Trust;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// <c>/metrics</c> (Prometheus text, from OpenTelemetry: the consumer's and the HostMonitor's meters
/// and ASP.NET Core's request metrics by route and status) and <c>/readyz</c> (Postgres reachable with
/// migrations applied; Redis away only degrades it, since requests are accepted then). <c>/healthz</c> says only that the process is alive.
/// </summary>
public static class Telemetry
{
    public static IServiceCollection AddLifecycleTelemetry(this IServiceCollection services)
    {
        services.AddSingleton<ClusterGauges>();
        services.AddSingleton<OutboxGauges>();
        services.AddOpenTelemetry().WithMetrics(metrics => metrics
            .AddMeter(EventPublisher.MeterName, ApplyCounters.MeterName, ReconcileCounters.MeterName, OperationCounters.MeterName, ClusterGauges.MeterName, SandboxChangeListener.MeterName, TlsRefusals.MeterName, OutboxCounters.MeterName, SandboxStops.MeterName)
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
        app.Services.GetRequiredService<OutboxGauges>();
        app.Services.GetRequiredService<OutboxCounters>();
        app.MapPrometheusScrapingEndpoint("/metrics").DisableRateLimiting()
            .WithName("getMetrics").WithSummary("Prometheus metrics").WithTags("health")
            .WithMetadata(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/plain"]));
        app.MapHealthChecks("/readyz", new HealthCheckOptions { ResponseWriter = ReadinessReport.WriteAsync }).DisableRateLimiting()
            .WithName("getReadiness").WithSummary("Whether Postgres answers with every migration applied (503 if not); Redis away is named but ready (200)").WithTags("health")
            .WithMetadata(
                new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(string), ["text/plain"]),
                new ProducesResponseTypeMetadata(StatusCodes.Status503ServiceUnavailable, typeof(string), ["text/plain"]));
        return app;
    }
}
