namespace Lifecycle.ControlPlane.RateLimiting;

/// <summary>Bound from <c>Lifecycle:RateLimit</c>: a token bucket per credential, shared by every replica.</summary>
public sealed class RateLimitOptions
{
    public const string Section = "Lifecycle:RateLimit";

    /// <summary>Sustained requests per second one key (team key, host token or admin key) may make, across the deployment.</summary>
    public int PermitsPerSecond { get; set; } = 100;

    /// <summary>Requests one key may make at once above the sustained rate, across the deployment.</summary>
    public int Burst { get; set; } = 200;

    /// <summary>
    /// How long a request waits for Redis to take its token before this replica's own bucket decides
    /// instead. A token takes well under a millisecond; the bound keeps a hung Redis from adding
    /// StackExchange.Redis's 5 s command timeout to every request.
    /// </summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>After Redis failed or was too slow, how long every request uses this replica's own bucket before Redis is tried again.</summary>
    public TimeSpan RedisRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>While Redis stays away, the fall-back is logged at most once per this interval.</summary>
    public TimeSpan FallbackLogInterval { get; set; } = TimeSpan.FromSeconds(30);
}
