using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Client;

/// <summary>
/// The body of a create; every field left null takes the server's default (template <c>base</c>, 1 vCPU, 512 MiB,
/// <c>timeout_sec</c> 300, <c>on_timeout</c> pause, no lifetime limit, no metadata).
/// </summary>
public sealed record CreateSandboxRequest
{
    public string? Template { get; init; }

    public int? Vcpus { get; init; }

    public int? MemoryMb { get; init; }

    /// <summary>Its time to live, in seconds, from now and from every resume, timeout or connect call.</summary>
    public int? TimeoutSec { get; init; }

    /// <summary>What happens when its time to live runs out.</summary>
    public OnTimeout? OnTimeout { get; init; }

    /// <summary>Its whole life's bound, in seconds from now, whatever extends it.</summary>
    public int? MaxLifetimeSec { get; init; }

    public IReadOnlyDictionary<string, string>? Metadata { get; init; }
}
