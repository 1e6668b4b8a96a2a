namespace Lifecycle.ControlPlane.Dev;

/// <summary>Bound from <c>Lifecycle:Dev</c>: what <c>make run</c> seeds so plain curl works at once.</summary>
public sealed class DevModeOptions
{
    public const string Section = "Lifecycle:Dev";

    public bool Enabled { get; set; }

    public string TeamName { get; set; } = "dev";

    public string ApiKey { get; set; } = "dev-key";
}
