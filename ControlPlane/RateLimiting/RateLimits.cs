using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Lifecycle.ControlPlane.Api;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.RateLimiting;

/// <summary>
/// Per-key rate limits for the whole deployment: one token bucket per bearer credential (keyed by its
/// hash, so no secret is held as a key), or per client address without one, kept in Redis so every
/// replica draws on the same bucket (<see cref="SharedTokenBucket"/>). Over the limit: 429
/// problem+json with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddPerKeyRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<RateLimitOptions>(configuration.GetSection(RateLimitOptions.Section));
        services.AddSingleton<RedisTokenBuckets>();
        services.AddSingleton<SharedBucketGuard>();
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var services = context.RequestServices;
                return RateLimitPartition.Get(PartitionOf(context), partition => new SharedTokenBucket(partition,
                    services.GetRequiredService<RedisTokenBuckets>(),
                    services.GetRequiredService<SharedBucketGuard>(),
                    services.GetRequiredService<IOptions<RateLimitOptions>>().Value));
            });
            limiter.OnRejected = async (rejected, ct) =>
            {
                var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
                var http = rejected.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = Problems.Make(StatusCodes.Status429TooManyRequests, "Too many requests",
                        "This key is over its request rate; retry after the time in Retry-After."),
                });
            };
        });
        return services;
    }

    private static string PartitionOf(HttpContext context)
    {
        var authorization = context.Request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            return "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(authorization)));
        }
        return "addr:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }
}
