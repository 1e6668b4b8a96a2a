using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.ControlPlane.RateLimiting;

/// <summary>What asking a bucket for a token answered.</summary>
public readonly record struct TokenTake(bool Granted, TimeSpan RetryAfter);

/// <summary>
/// The deployment-wide token buckets, one Redis hash per credential, refilled continuously. Our own
/// script rather than the RedisRateLimiting package: its key names are fixed (<c>rl:tb:{partition}</c>),
/// so they cannot start with the deployment's key prefix, and it neither bounds its wait nor falls back
/// when Redis is away (<see cref="SharedTokenBucket"/> does both around this).
/// </summary>
public sealed class RedisTokenBuckets(IConnectionMultiplexer redis, IOptions<StreamOptions> streams)
{
    // One key per bucket, so a bucket lives in one Redis Cluster slot without a hash tag. Redis's own
    // clock (TIME; scripts replicate their effects since Redis 5), so replicas whose clocks drift still
    // agree on the refill. A refusal writes nothing: the next call refills from the same point.
    // Answers 0 when a token was taken, else the milliseconds until one is there.
    private const string TakeScript = """
        local burst = tonumber(ARGV[1])
        local per_ms = tonumber(ARGV[2]) / 1000
        local time = redis.call('TIME')
        local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
        local bucket = redis.call('HMGET', KEYS[1], 'tokens', 'at')
        local tokens = tonumber(bucket[1]) or burst
        local at = tonumber(bucket[2]) or now
        tokens = math.min(burst, tokens + math.max(0, now - at) * per_ms)
        if tokens < 1 then
          return math.ceil((1 - tokens) / per_ms)
        end
        redis.call('HSET', KEYS[1], 'tokens', tokens - 1, 'at', now)
        redis.call('PEXPIRE', KEYS[1], math.ceil(burst / per_ms) + 1000)
        return 0
        """;

    private readonly string _prefix = streams.Value.KeyPrefix;

    /// <summary>The bucket's key; beside the stream keys' prefix so deployments (and tests) sharing a Redis stay apart.</summary>
    public string KeyOf(string partition) => $"{_prefix}lifecycle:ratelimit:{partition}";

    /// <summary>Takes one token from the partition's bucket, which holds <paramref name="burst"/> and refills at <paramref name="permitsPerSecond"/>.</summary>
    public async Task<TokenTake> TakeAsync(string partition, int burst, int permitsPerSecond)
    {
        var answer = await redis.GetDatabase()
            .ScriptEvaluateAsync(TakeScript, [KeyOf(partition)], [burst, permitsPerSecond]);
        var waitMs = (long)answer;
        return new TokenTake(waitMs == 0, TimeSpan.FromMilliseconds(waitMs));
    }
}
