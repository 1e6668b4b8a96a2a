namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>What the caller asked for when it created the sandbox.</summary>
public sealed record SandboxSpec(
    string Id,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    IReadOnlyDictionary<string, string> Metadata);
