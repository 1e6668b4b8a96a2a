namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>
/// What the caller asked for when it created the sandbox. <paramref name="ExpiresAt"/> is its first deadline (null:
/// none); at it the host pauses it, or destroys it when <paramref name="DestroyOnTimeout"/>; at
/// <paramref name="LifetimeEndsAt"/> it destroys it whatever its state.
/// </summary>
public sealed record SandboxSpec(
    string Id,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    IReadOnlyDictionary<string, string> Metadata,
    DateTimeOffset? ExpiresAt = null,
    bool DestroyOnTimeout = false,
    DateTimeOffset? LifetimeEndsAt = null);
