using Lifecycle.Contract.Capacity;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Placement;

/// <summary>
/// Chooses the host for a new sandbox among the online hosts that have room for it, by "power of two choices": two of
/// them at random, and of those the emptier. Emptier is the smaller dominant share once the sandbox is placed (the
/// larger of vCPUs and memory as a part of what the host may lend), or, where either host has reported no capacity,
/// the fewer sandboxes that hold a share there (<see cref="CapacityRules.Holding"/>). This spreads (decision 0035): a paused sandbox resumes on its own
/// host, so every host keeps room for its resumes, and a host lost takes fewer sandboxes with it.
/// <para>
/// The loads come from each host's ledger (<see cref="HostAllocations"/>), read once per
/// <see cref="PlacementOptions.RefreshInterval"/>; this replica adds its own placements in between.
/// The room seen here is a guess: the write counts again under the host's lock (<see cref="HostCapacity"/>) and, when
/// it is short, <see cref="Refused"/> teaches this replica what the host really holds. Not simply the emptiest host:
/// every replica reads the same loads, so every replica would send every create to the same host until its next read;
/// a host that joined empty would take all of them, from every replica. A host that must first be sampled gets at most
/// 2 in N of a replica's creates, so none is flooded; emptier hosts still catch up (they win every pair they are in).
/// With two hosts both are always drawn: the least-loaded rule again. The insert itself checks the host is still
/// online; when it is not, <see cref="Invalidate"/> makes the next choice read afresh.
/// </para>
/// </summary>
public sealed class HostPlacement(SandboxStore sandboxes, TimeProvider clock, IOptions<PlacementOptions> options, IOptions<CapacityOptions> capacity)
    : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reading = new(1, 1);
    private Dictionary<Guid, HostLoad> _loads = [];
    private long _readAt;
    private volatile bool _stale = true;

    private OvercommitRatios Ratios => capacity.Value.Ratios;

    /// <summary>
    /// Where a sandbox of <paramref name="demand"/> goes, among the online hosts not in <paramref name="tried"/> (those
    /// this request already found full or gone).
    /// </summary>
    public async Task<PlacementChoice> ChooseAsync(Resources demand, IReadOnlyCollection<Guid> tried, CancellationToken ct)
    {
        if (MustRead)
        {
            await ReadAsync(ct);
        }
        var choice = Choose(demand, tried);
        if (choice is PlacementChoice.Full or PlacementChoice.NoHost && clock.GetElapsedTime(_readAt) > options.Value.FullRereadInterval)
        {
            // Nowhere, as last read: room may have been made since (a sandbox ended, another replica's view was
            // fresher). Read again before refusing, at most once per interval however many creates are refused.
            _stale = true;
            await ReadAsync(ct);
            choice = Choose(demand, tried);
        }
        return choice;
    }

    /// <summary>A sandbox of <paramref name="demand"/> was written on <paramref name="hostId"/>: it counts there until the next read.</summary>
    public void Placed(Guid hostId, Resources demand)
    {
        lock (_gate)
        {
            if (_loads.TryGetValue(hostId, out var load))
            {
                _loads[hostId] = load with { Holding = load.Holding + 1, Allocated = load.Allocated + demand };
            }
        }
    }

    /// <summary>The host's lock counted it short: what it holds and can lend, as counted, replaces the guess.</summary>
    public void Refused(CapacityShortfall shortfall)
    {
        lock (_gate)
        {
            if (_loads.TryGetValue(shortfall.HostId, out var load))
            {
                _loads[shortfall.HostId] = load with { Allocatable = shortfall.Allocatable, Allocated = shortfall.Allocated };
            }
        }
    }

    /// <summary>Forget the loads: a host joined, came back, went away or reported another capacity.</summary>
    public void Invalidate() => _stale = true;

    public void Dispose() => _reading.Dispose();

    private PlacementChoice Choose(Resources demand, IReadOnlyCollection<Guid> tried)
    {
        lock (_gate)
        {
            var online = _loads.Values.Where(load => load.TakesPlacements).ToList();
            if (online.Count == 0)
            {
                return new PlacementChoice.NoHost();
            }
            // Only when every host has said what it can lend: one that has not might be big enough.
            if (_loads.Values.All(load => load.Allocatable is not null)
                && CapacityRules.TooBig(_loads.Values.Select(load => load.Allocatable!.Value), demand) is { } tooBig)
            {
                return new PlacementChoice.TooBig(tooBig.Resource, tooBig.Largest);
            }
            var fitting = online.Where(load => !tried.Contains(load.Id) && ShortOf(load, demand) is null).ToList();
            if (fitting.Count == 0)
            {
                return new PlacementChoice.Full(Scarcest(online, demand));
            }
            return new PlacementChoice.OnHost(EmptierOfTwo(fitting, demand).Id);
        }
    }

    private CapacityResource? ShortOf(HostLoad load, Resources demand) =>
        load.Allocatable is { } allocatable ? CapacityRules.Shortfall(allocatable, load.Allocated, demand, Ratios) : null;

    /// <summary>What most of the hosts without room are short of; memory on a tie, since it is never lent twice.</summary>
    private CapacityResource Scarcest(IEnumerable<HostLoad> online, Resources demand)
    {
        var shorts = online.Select(load => ShortOf(load, demand)).OfType<CapacityResource>().ToList();
        var vcpus = shorts.Count(resource => resource == CapacityResource.Vcpus);
        return vcpus > shorts.Count - vcpus ? CapacityResource.Vcpus : CapacityResource.MemoryMb;
    }

    // The pair is drawn in random order, so keeping the first on a tie is a fair coin.
    private HostLoad EmptierOfTwo(List<HostLoad> hosts, Resources demand)
    {
        if (hosts.Count == 1)
        {
            return hosts[0];
        }
        var first = Random.Shared.Next(hosts.Count);
        var second = Random.Shared.Next(hosts.Count - 1);
        if (second >= first)
        {
            second++;
        }
        var (a, b) = (hosts[first], hosts[second]);
        var emptier = a.Allocatable is not null && b.Allocatable is not null
            ? DominantShare(b, demand) < DominantShare(a, demand)
            : b.Holding < a.Holding;
        return emptier ? b : a;
    }

    /// <summary>The larger part of what the host may lend that it would hold with <paramref name="demand"/> placed there.</summary>
    private double DominantShare(HostLoad load, Resources demand)
    {
        var limit = CapacityRules.Limit(load.Allocatable!.Value, Ratios);
        var after = load.Allocated + demand;
        return Enum.GetValues<CapacityResource>().Max(resource => (double)after.Of(resource) / Math.Max(1, limit.Of(resource)));
    }

    // No host known: read every time, so a host that just came online is used at once.
    private bool MustRead => _stale || _loads.Count == 0 || clock.GetElapsedTime(_readAt) > options.Value.RefreshInterval;

    private async Task ReadAsync(CancellationToken ct)
    {
        await _reading.WaitAsync(ct);
        try
        {
            if (!MustRead)
            {
                return; // another caller read them while this one waited
            }
            _stale = false;
            var loads = await sandboxes.HostLoadsAsync(ct);
            lock (_gate)
            {
                _loads = loads.ToDictionary(load => load.Id);
                _readAt = clock.GetTimestamp();
            }
        }
        finally
        {
            _reading.Release();
        }
    }
}
