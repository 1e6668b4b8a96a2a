namespace Lifecycle.Contract.Timeouts;

/// <summary>
/// The arithmetic of a sandbox's time to live, in one place: <c>expires_at = now + timeout_sec</c> from its last create,
/// resume, timeout or connect call, never past the end of its lifetime (<c>created_at + max_lifetime_sec</c>).
/// </summary>
public static class TimeToLive
{
    /// <summary>When the sandbox's lifetime ends, or null when it has no <c>max_lifetime_sec</c>.</summary>
    public static DateTimeOffset? LifetimeEnd(DateTimeOffset createdAt, int? maxLifetimeSec) =>
        maxLifetimeSec is { } seconds ? createdAt.AddSeconds(seconds) : null;

    /// <summary>A timer (re)started at <paramref name="now"/> for <paramref name="timeoutSec"/>, capped by the lifetime's end.</summary>
    public static DateTimeOffset ExpiresAt(DateTimeOffset now, int timeoutSec, DateTimeOffset? lifetimeEnd)
    {
        var expires = now.AddSeconds(timeoutSec);
        return lifetimeEnd is { } end && end < expires ? end : expires;
    }
}
