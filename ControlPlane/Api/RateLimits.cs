using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>Bound from <c>Lifecycle:RateLimit</c>: a token bucket per credential.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Lifecycle:RateLimit";

    /// <summary>Sustained requests per second one key (team key, host token or admin key) may make.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests one key may make at once above the sustained rate.</summary>
    public int Burst { get; set; } = 200;
}

/// <summary>
/// Per-key rate limits with ASP.NET Core's limiter: one token bucket per bearer credential (keyed by
/// its hash, so no secret is held in memory as a key), or per client address without one. Over the
/// limit: 429 problem+json with <c>Retry-After</c>.
/// </summary>
public static class RateLimits
{
    public static IServiceCollection AddPerKeyRateLimits(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            {
                var options = context.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                return RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PermitsPerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
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
                }).ConfigureAwait(false);
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
