namespace Lifecycle.Contract.Capacity;

/// <summary>A resource a host lends its sandboxes; the wire name is <see cref="CapacityResources"/>'.</summary>
public enum CapacityResource
{
    /// <summary>Virtual CPUs: time-shared, so a host may lend more than it has (<see cref="OvercommitRatios.Vcpus"/>).</summary>
    Vcpus,

    /// <summary>Memory in MiB: a VM's memory is its own, so by default never lent twice.</summary>
    MemoryMb,
}

/// <summary>Wire names of <see cref="CapacityResource"/>, as a "full" answer's <c>resource</c> names them.</summary>
public static class CapacityResources
{
    public const string Vcpus = "vcpus";
    public const string MemoryMb = "memory_mb";

    public static readonly IReadOnlyList<string> All = [Vcpus, MemoryMb];

    public static string ToWire(this CapacityResource resource) => All[(int)resource];

    public static bool TryParse(string? wire, out CapacityResource resource)
    {
        var index = All.ToList().IndexOf(wire ?? "");
        resource = (CapacityResource)Math.Max(index, 0);
        return index >= 0;
    }
}
