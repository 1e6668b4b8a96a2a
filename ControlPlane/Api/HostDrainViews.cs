using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>A draining or drained host's JSON carries its drain (<see cref="HostDrainResponse"/>).</summary>
public static class HostDrainViews
{
    private static readonly HostStatus[] WithDrain = [HostStatus.Draining, HostStatus.Drained];

    /// <summary>The host with its drain attached when it is draining or drained.</summary>
    public static async Task<HostResponse> WithDrainAsync(HostResponse host, HostStore hosts, CancellationToken ct) =>
        (await WithDrainsAsync([host], hosts, ct))[0];

    /// <summary>The hosts with their drains attached, for those draining or drained; one query for all of them.</summary>
    public static async Task<IReadOnlyList<HostResponse>> WithDrainsAsync(IReadOnlyList<HostResponse> list, HostStore hosts, CancellationToken ct)
    {
        if (!list.Any(h => IsDrainStatus(h.Status)))
        {
            return list;
        }
        var only = list.Count == 1 ? list[0].Id : (Guid?)null;
        var drains = (await hosts.DrainsAsync(WithDrain, only, ct)).ToDictionary(d => d.Id);
        return [.. list.Select(h => IsDrainStatus(h.Status) && drains.TryGetValue(h.Id, out var drain)
            ? h with { Drain = HostDrainResponse.From(drain, h.Sandboxes) }
            : h)];
    }

    private static bool IsDrainStatus(string status) =>
        HostStatuses.TryParse(status, out var parsed) && WithDrain.Contains(parsed);
}
