namespace Lifecycle.Core.Streams;

/// <summary>Bound from <c>Lifecycle:Streams</c>.</summary>
public sealed class StreamOptions
{
    public const string Section = "Lifecycle:Streams";

    /// <summary>Prepended to every key, so environments (and tests) can share one Redis.</summary>
    public string KeyPrefix { get; set; } = "";
}
