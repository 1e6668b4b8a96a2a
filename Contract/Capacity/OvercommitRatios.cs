namespace Lifecycle.Contract.Capacity;

/// <summary>
/// How far a host's allocatable resources may be lent out: vCPUs are time-shared and lent four times over by default
/// (E2B's ratio); memory is never lent twice by default, since a host out of memory kills its VMs.
/// </summary>
public sealed record OvercommitRatios(double Vcpus = OvercommitRatios.DefaultVcpus, double MemoryMb = OvercommitRatios.DefaultMemoryMb)
{
    public const double DefaultVcpus = 4.0;
    public const double DefaultMemoryMb = 1.0;

    public static readonly OvercommitRatios Default = new();

    public double Of(CapacityResource resource) => resource == CapacityResource.Vcpus ? Vcpus : MemoryMb;
}
