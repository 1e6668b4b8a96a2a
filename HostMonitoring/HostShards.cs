using Lifecycle.Contract.Partitioning;
using Lifecycle.Infrastructure.Ownership;
using Microsoft.Extensions.Options;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// The shards of hosts this replica owns (a host's shard is <c>StableHash(host id) mod Shards</c>): the
/// <see cref="OwnershipCoordinator"/> runs <see cref="RunAsync"/> for each shard while it holds the lease,
/// and the HostMonitor reconciles the hosts of the shards held. Losing any shard cancels the passes
/// under way (<see cref="LossToken"/>), so a host handed over is not worked on here a moment longer.
/// Taking or losing one asks the HostMonitor for a pass over every host it now owns (<see cref="PassRequests"/>).
/// </summary>
public sealed class HostShards(IOptions<HostMonitorOptions> options, PassRequests passes, TimeProvider clock) : ISlotWork
{
    private readonly Lock _gate = new();
    // Each shard with the run that holds it now: a run that ends removes its shard only if no newer run
    // took it meanwhile (a shard handed over and taken back starts a new run before the old one has ended).
    private readonly Dictionary<int, object> _owned = [];
    private CancellationTokenSource _loss = new();
    private DateTimeOffset? _since;

    public LeaseKind Kind => LeaseKind.HostShards;

    public int SlotCount => options.Value.Shards;

    /// <summary>Since when this replica has held at least one shard without a break; null when it holds none.</summary>
    public DateTimeOffset? HoldingSince
    {
        get
        {
            lock (_gate)
            {
                return _since;
            }
        }
    }

    /// <summary>Cancelled when this replica loses or hands over any shard.</summary>
    public CancellationToken LossToken
    {
        get
        {
            lock (_gate)
            {
                return _loss.Token;
            }
        }
    }

    public bool OwnsHost(Guid hostId)
    {
        var shard = StableHash.SlotOf(hostId, options.Value.Shards);
        lock (_gate)
        {
            return _owned.ContainsKey(shard);
        }
    }

    public async Task RunAsync(int slot, CancellationToken owned)
    {
        var run = new object();
        lock (_gate)
        {
            _owned[slot] = run;
            _since ??= clock.GetUtcNow();
        }
        // Its hosts want a pass now, not at the next interval.
        passes.Request(null);
        try
        {
            await Task.Delay(Timeout.Infinite, owned);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            CancellationTokenSource lost;
            lock (_gate)
            {
                if (_owned.TryGetValue(slot, out var current) && current == run)
                {
                    _owned.Remove(slot);
                }
                if (_owned.Count == 0)
                {
                    _since = null;
                }
                lost = _loss;
                _loss = new CancellationTokenSource();
            }
            await lost.CancelAsync();
            lost.Dispose();
            passes.Request(null);
        }
    }
}
