using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>Postgres answers and holds every migration this build ships.</summary>
public sealed class PostgresReadiness(Migrator migrator) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var pending = await migrator.PendingAsync(cancellationToken);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("reachable, migrations applied")
                : HealthCheckResult.Unhealthy($"migrations not applied: {string.Join(", ", pending.Select(m => m.Name))}");
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("unreachable", ex);
        }
    }
}

/// <summary>
/// Redis answers a PING. Its absence degrades the replica but does not make it unready: requests are accepted and
/// their events wait in the outbox (invariant 8), so a balancer must keep sending it requests.
/// </summary>
public sealed class RedisReadiness(IConnectionMultiplexer redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var latency = await redis.GetDatabase().PingAsync().WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded("unreachable: requests are accepted, their events wait in the outbox", ex);
        }
    }
}

/// <summary>
/// The body of <c>/readyz</c>: the overall status, then one line per dependency with what it said (text/plain), so a
/// 200 with Redis away names the outage.
/// </summary>
public static class ReadinessReport
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        var lines = report.Entries.Select(entry => $"{entry.Key}: {entry.Value.Status} ({entry.Value.Description})");
        return context.Response.WriteAsync(string.Join('\n', [report.Status.ToString(), .. lines]) + "\n");
    }
}
