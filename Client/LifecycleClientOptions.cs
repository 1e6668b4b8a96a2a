namespace Lifecycle.Client;

/// <summary>Where the API is, the team's key, and how hard the client tries (see Client/README.md for what it retries).</summary>
public sealed class LifecycleClientOptions
{
    /// <summary>The control plane's address, e.g. <c>http://localhost:8080</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The team's API key (<c>lck_…</c>), sent as <c>Authorization: Bearer</c>.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Attempts after the first, for the answers worth another try; 0 sends every request once.</summary>
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first backoff; each next one doubles, jittered, when the answer gives no <c>Retry-After</c>.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The longest <c>Retry-After</c> the client waits out; an answer asking for more is handed to the caller.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one attempt may take before it counts as lost (a wait's long poll gets its own time on top).</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    internal void Validate()
    {
        if (BaseAddress is null || string.IsNullOrEmpty(ApiKey))
        {
            throw new InvalidOperationException("A Lifecycle client needs a BaseAddress and an ApiKey.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(MaxRetries);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(AttemptTimeout, TimeSpan.Zero);
    }
}
