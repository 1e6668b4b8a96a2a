namespace Lifecycle.ControlPlane.Drains;

/// <summary>Bound from <c>Lifecycle:Drain</c>.</summary>
public sealed class DrainOptions
{
    public const string Section = "Lifecycle:Drain";

    /// <summary>Time between two rounds over the draining hosts this replica owns; a drain started here also starts one at once.</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// At most this many sandboxes of one host in a transient status once a round has made its requests:
    /// a host with thousands of sandboxes is worked through a window at a time, never flooded.
    /// </summary>
    public int MaxInFlightPerHost { get; set; } = 16;

    /// <summary>Draining hosts worked on at once within a round.</summary>
    public int MaxParallelHosts { get; set; } = 8;
}
