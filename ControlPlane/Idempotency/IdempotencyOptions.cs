namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>Bound from <c>Lifecycle:Idempotency</c>.</summary>
public sealed class IdempotencyOptions
{
    public const string Section = "Lifecycle:Idempotency";

    /// <summary>How long a key and its answer are kept: a retry within it is answered as the first request was.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often each replica deletes expired keys (every replica may: the delete is idempotent).</summary>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromMinutes(10);
}
