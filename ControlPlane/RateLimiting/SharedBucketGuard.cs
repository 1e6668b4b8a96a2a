using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.ControlPlane.RateLimiting;

/// <summary>
/// Whether the buckets in Redis may be asked now: not while the multiplexer is disconnected, nor for
/// <see cref="RateLimitOptions.RedisRetryAfter"/> after a failure or a timeout. So a Redis outage costs a
/// request nothing, and a hung Redis costs <see cref="RateLimitOptions.RedisTimeout"/> to the requests of
/// one moment per retry interval, not to every request. The fall-back is logged once per
/// <see cref="RateLimitOptions.FallbackLogInterval"/>, not per request.
/// </summary>
public sealed partial class SharedBucketGuard(
    IConnectionMultiplexer redis, TimeProvider clock, IOptions<RateLimitOptions> options, ILogger<SharedBucketGuard> logger)
{
    private long _retryAt;
    private long _nextLogAt;
    private int _fallingBack;

    /// <summary>True when Redis may be asked; false (and logged, now and then) when this replica's own bucket must decide.</summary>
    public bool MayAsk()
    {
        if (clock.GetTimestamp() < Volatile.Read(ref _retryAt))
        {
            return false;
        }
        if (!redis.IsConnected)
        {
            FellBack("not connected");
            return false;
        }
        return true;
    }

    /// <summary>Redis answered: the limits are deployment-wide again.</summary>
    public void Answered()
    {
        if (Interlocked.Exchange(ref _fallingBack, 0) == 1)
        {
            LogShared();
        }
    }

    /// <summary>Redis failed or was too slow: leave it alone for a while.</summary>
    public void Failed(Exception error)
    {
        Volatile.Write(ref _retryAt, clock.GetTimestamp() + Ticks(options.Value.RedisRetryAfter));
        FellBack($"{error.GetType().Name}: {error.Message}");
    }

    private void FellBack(string reason)
    {
        Volatile.Write(ref _fallingBack, 1);
        var now = clock.GetTimestamp();
        var due = Volatile.Read(ref _nextLogAt);
        if (now >= due && Interlocked.CompareExchange(ref _nextLogAt, now + Ticks(options.Value.FallbackLogInterval), due) == due)
        {
            LogFallingBack(reason);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * clock.TimestampFrequency);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Rate limits fall back to this replica's own buckets: Redis {Reason}. Each replica now allows a key the full rate.")]
    private partial void LogFallingBack(string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rate limits are shared through Redis again")]
    private partial void LogShared();
}
