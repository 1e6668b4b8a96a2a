namespace Lifecycle.Contract.Capacity;

/// <summary>An amount of each <see cref="CapacityResource"/>: what a host can lend, what it has lent, or what a sandbox takes.</summary>
public readonly record struct Resources(long Vcpus, long MemoryMb)
{
    public static readonly Resources None = new(0, 0);

    public long Of(CapacityResource resource) => resource == CapacityResource.Vcpus ? Vcpus : MemoryMb;

    public static Resources operator +(Resources a, Resources b) => new(a.Vcpus + b.Vcpus, a.MemoryMb + b.MemoryMb);

    public static Resources operator -(Resources a, Resources b) => new(a.Vcpus - b.Vcpus, a.MemoryMb - b.MemoryMb);
}
