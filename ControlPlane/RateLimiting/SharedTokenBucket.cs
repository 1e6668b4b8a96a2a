using System.Diagnostics;
using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Lifecycle.ControlPlane.RateLimiting;

/// <summary>
/// One credential's token bucket: the deployment-wide one in Redis when Redis answers within
/// <see cref="RateLimitOptions.RedisTimeout"/>, else this replica's own bucket of the same size, so a
/// Redis outage never turns a request into an error or a wait. Requests that need Redis answer 503 by
/// themselves; those that need only Postgres go on.
/// </summary>
public sealed class SharedTokenBucket : ReplenishingRateLimiter
{
    private static readonly TimeSpan LocalPeriod = TimeSpan.FromSeconds(1);

    private readonly string _partition;
    private readonly RedisTokenBuckets _buckets;
    private readonly SharedBucketGuard _guard;
    private readonly RateLimitOptions _options;
    private readonly TokenBucketRateLimiter _local;
    private int _inFlight;
    private long _idleSince = Stopwatch.GetTimestamp();

    public SharedTokenBucket(string partition, RedisTokenBuckets buckets, SharedBucketGuard guard, RateLimitOptions options)
    {
        _partition = partition;
        _buckets = buckets;
        _guard = guard;
        _options = options;
        // Replenished by the partitioned limiter's timer through TryReplenish, not a timer per key.
        _local = new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = options.PermitsPerSecond,
            ReplenishmentPeriod = LocalPeriod,
            QueueLimit = 0,
            AutoReplenishment = false,
        });
    }

    public override bool IsAutoReplenishing => false;

    public override TimeSpan ReplenishmentPeriod => LocalPeriod;

    /// <summary>Idle only with nothing in flight and the local bucket full, so an outage's local count is not forgotten.</summary>
    public override TimeSpan? IdleDuration =>
        Volatile.Read(ref _inFlight) > 0 || _local.IdleDuration is null ? null : Stopwatch.GetElapsedTime(Volatile.Read(ref _idleSince));

    public override bool TryReplenish() => _local.TryReplenish();

    public override RateLimiterStatistics? GetStatistics() => _local.GetStatistics();

    // The shared bucket cannot be read without a round trip: the caller goes on to AcquireAsync.
    protected override RateLimitLease AttemptAcquireCore(int permitCount) => BucketLease.Pending;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _inFlight);
        try
        {
            if (permitCount == 1 && _guard.MayAsk())
            {
                try
                {
                    var take = await _buckets.TakeAsync(_partition, _options.Burst, _options.PermitsPerSecond)
                        .WaitAsync(_options.RedisTimeout, cancellationToken);
                    _guard.Answered();
                    return take.Granted ? BucketLease.Granted : BucketLease.Refused(take.RetryAfter);
                }
                catch (Exception error) when (error is RedisException or TimeoutException)
                {
                    _guard.Failed(error);
                }
            }
            return await _local.AcquireAsync(permitCount, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _idleSince, Stopwatch.GetTimestamp());
            Interlocked.Decrement(ref _inFlight);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _local.Dispose();
        }
        base.Dispose(disposing);
    }

    protected override async ValueTask DisposeAsyncCore()
    {
        await _local.DisposeAsync();
        await base.DisposeAsyncCore();
    }
}
