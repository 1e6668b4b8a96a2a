using System.Threading.RateLimiting;

namespace Lifecycle.ControlPlane.RateLimiting;

/// <summary>A shared bucket's answer as a lease; a refusal carries <c>Retry-After</c> as ASP.NET Core's own buckets do.</summary>
internal sealed class BucketLease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
{
    public static readonly BucketLease Granted = new(true, null);

    /// <summary>Not decided without asking Redis.</summary>
    public static readonly BucketLease Pending = new(false, null);

    public override bool IsAcquired => acquired;

    public override IEnumerable<string> MetadataNames => retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

    public static BucketLease Refused(TimeSpan retryAfter) => new(false, retryAfter);

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        if (retryAfter is { } wait && metadataName == MetadataName.RetryAfter.Name)
        {
            metadata = wait;
            return true;
        }
        metadata = null;
        return false;
    }
}
