namespace Lifecycle.Contract.Timeouts;

/// <summary>What happens to a running sandbox when its time to live runs out; the lower-case name is the wire form.</summary>
public enum OnTimeout
{
    /// <summary>Paused, its snapshot kept: the default, so a timeout never silently loses a user's work.</summary>
    Pause,

    /// <summary>Destroyed.</summary>
    Destroy,
}

/// <summary>Wire names of <see cref="OnTimeout"/>.</summary>
public static class OnTimeouts
{
    public const string PauseName = "pause";
    public const string DestroyName = "destroy";

    public static string ToWire(this OnTimeout policy) => policy == OnTimeout.Destroy ? DestroyName : PauseName;

    public static bool TryParse(string? name, out OnTimeout policy)
    {
        policy = name == DestroyName ? OnTimeout.Destroy : OnTimeout.Pause;
        return name is PauseName or DestroyName;
    }

    public static OnTimeout Parse(string name) =>
        TryParse(name, out var policy) ? policy : throw new FormatException($"unknown on_timeout '{name}'");

    public static IEnumerable<string> WireNames => [PauseName, DestroyName];
}
