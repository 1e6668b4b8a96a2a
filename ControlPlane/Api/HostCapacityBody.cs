using System.ComponentModel;
using Lifecycle.Contract.Capacity;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// <c>capacity</c> as a host reports it (at registration, in a heartbeat) and as the admin API shows it: what the host
/// lets its sandboxes use, after what it keeps for itself and its VM monitor.
/// </summary>
public sealed record HostCapacityBody(
    [property: Description("Allocatable vCPUs, 1 to 4096.")] int? Vcpus = null,
    [property: Description("Allocatable memory in MiB, 1 to 67108864 (64 TiB).")] int? MemoryMb = null) : IValidatable
{
    public const int MaxVcpus = 4_096;
    public const int MaxMemoryMb = 64 * 1024 * 1024;

    public string? Validate() =>
        Vcpus is not (>= 1 and <= MaxVcpus) ? $"capacity.vcpus must be a whole number from 1 to {MaxVcpus}."
        : MemoryMb is not (>= 1 and <= MaxMemoryMb) ? $"capacity.memory_mb must be a whole number from 1 to {MaxMemoryMb}."
        : null;

    public Resources ToResources() => new(Vcpus!.Value, MemoryMb!.Value);

    public static HostCapacityBody? From(int? vcpus, int? memoryMb) => vcpus is { } v && memoryMb is { } m ? new(v, m) : null;
}

/// <summary>The body of <c>POST /v1/hosts/{id}/heartbeat</c>, which may be empty: a capacity, when the host reports one.</summary>
public sealed record HeartbeatRequest(HostCapacityBody? Capacity = null) : IValidatable
{
    public string? Validate() => Capacity?.Validate();
}

/// <summary><c>allocated</c>: what a host's sandboxes hold of its capacity (docs/contract.md, "Hosts").</summary>
public sealed record AllocatedBody(long Vcpus, long MemoryMb);

/// <summary>Wire forms of <see cref="Resources"/>.</summary>
public static class ResourcesBodies
{
    public static AllocatedBody ToBody(this Resources resources) => new(resources.Vcpus, resources.MemoryMb);
}
