namespace Lifecycle.ControlPlane.Placement;

/// <summary>Bound from <c>Lifecycle:Placement</c>.</summary>
public sealed class PlacementOptions
{
    public const string Section = "Lifecycle:Placement";

    /// <summary>How old the per-host loads may grow before they are read again from Postgres.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old the loads may be when they show no host with room, before a create is told so: room another replica or
    /// an ended sandbox made shows within this, while a storm of creates on a full fleet reads at most once per it.
    /// </summary>
    public TimeSpan FullRereadInterval { get; set; } = TimeSpan.FromSeconds(1);
}
