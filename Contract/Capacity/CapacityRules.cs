using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Contract.Capacity;

/// <summary>
/// What a sandbox holds on its host, and whether another fits. A sandbox <b>holds</b> its vCPUs and memory while it may
/// still have a VM there: starting, running, pausing, resuming, stopping, missing and error, until the host shows it
/// gone. A paused one's snapshot is on disk and holds neither; a stopped one holds nothing. This is wider than a
/// team's <see cref="Quotas.QuotaRules.Active"/> set: a quota counts what a team is running, capacity what a host
/// may still be running.
/// </summary>
public static class CapacityRules
{
    public static readonly IReadOnlyList<SandboxStatus> Holding =
    [
        SandboxStatus.Starting, SandboxStatus.Running, SandboxStatus.Pausing, SandboxStatus.Resuming,
        SandboxStatus.Stopping, SandboxStatus.Missing, SandboxStatus.Error,
    ];

    /// <summary>
    /// Where an operation its host refused for want of room (RESOURCE_EXHAUSTED) leaves the sandbox, or null when
    /// such a refusal decides nothing (pause and destroy free room; a host refusing them is retried). A create made
    /// nothing, so the sandbox ends <c>stopped</c>; a resume keeps its snapshot, so it stays <c>paused</c>.
    /// </summary>
    public static SandboxStatus? WhenHostHasNoRoom(SandboxOperation operation) =>
        operation == SandboxOperation.Create ? SandboxStatus.Stopped
        : operation == SandboxOperation.Resume ? SandboxStatus.Paused
        : null;

    /// <summary>
    /// What VMs running on a host take that no holding sandbox accounts for: a VM the database does not know there (an
    /// orphan, before the HostMonitor destroys it) or one it calls paused or stopped. <paramref name="running"/> is each
    /// running VM's size, as the host lists it, with the status of its row there (null when none). Added to what the
    /// host's sandboxes hold, so what is allocated is never below what the host shows it runs.
    /// </summary>
    public static Resources Unaccounted(IEnumerable<(SandboxStatus? Status, Resources Size)> running) =>
        running.Where(vm => vm.Status is not { } status || !Holding.Contains(status))
            .Aggregate(Resources.None, (sum, vm) => sum + vm.Size);

    /// <summary>The most a host may lend of each resource: its allocatable times the ratio, rounded down.</summary>
    public static Resources Limit(Resources allocatable, OvercommitRatios ratios) =>
        new((long)Math.Floor(allocatable.Vcpus * ratios.Vcpus), (long)Math.Floor(allocatable.MemoryMb * ratios.MemoryMb));

    /// <summary>The first resource <paramref name="demand"/> would take past the host's limit, or null when it fits.</summary>
    public static CapacityResource? Shortfall(Resources allocatable, Resources allocated, Resources demand, OvercommitRatios ratios)
    {
        var limit = Limit(allocatable, ratios);
        foreach (var resource in Enum.GetValues<CapacityResource>())
        {
            if (allocated.Of(resource) + demand.Of(resource) > limit.Of(resource))
            {
                return resource;
            }
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="demand"/> is more than any one host can lend at all (its allocatable, before any ratio: one
    /// VM cannot use more vCPUs than its host has). Such a request can never be placed: a 422, not a 503. It names the
    /// first resource short, with the largest amount of it on a host that has enough of the other (on any host, when
    /// none has); null when some host is big enough in both, or there is no host.
    /// </summary>
    public static (CapacityResource Resource, long Largest)? TooBig(IEnumerable<Resources> allocatable, Resources demand)
    {
        var hosts = allocatable.ToList();
        if (hosts.Count == 0)
        {
            return null; // no host to compare with: "no host available", not "too big"
        }
        foreach (var resource in Enum.GetValues<CapacityResource>())
        {
            var other = resource == CapacityResource.Vcpus ? CapacityResource.MemoryMb : CapacityResource.Vcpus;
            // Where no host has enough of the other either, the largest of this one anywhere.
            var candidates = hosts.Where(h => h.Of(other) >= demand.Of(other)).ToList() is { Count: > 0 } enough ? enough : hosts;
            var largest = candidates.Max(h => h.Of(resource));
            if (demand.Of(resource) > largest)
            {
                return (resource, largest);
            }
        }
        return null;
    }
}
