namespace Lifecycle.ControlPlane.Outages;

/// <summary>Bound from <c>Lifecycle:Outages</c>: how requests behave while Postgres or Redis is away.</summary>
public sealed class OutageOptions
{
    public const string Section = "Lifecycle:Outages";

    /// <summary>
    /// How long one request may wait for Postgres to come back before it answers 503. A restart takes
    /// a few seconds; 5 s rides most of one out while staying well inside common client timeouts (30 s)
    /// and keeping few requests parked at once.
    /// </summary>
    public TimeSpan RideThrough { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The <c>Retry-After</c> of a 503 answered during an outage.</summary>
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(2);
}
