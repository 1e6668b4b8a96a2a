using Lifecycle.Core.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.Core.Hosts;

/// <summary>Bound from <c>Lifecycle:Placement</c>.</summary>
public sealed class PlacementOptions
{
    public const string Section = "Lifecycle:Placement";

    /// <summary>How old the per-host counts may grow before they are read again from Postgres.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Chooses the host for a new sandbox: the online host with the fewest sandboxes that are not
/// <c>stopped</c>. Counting them is a read of every such sandbox, too much for each create (56 ms at
/// 100,000 sandboxes), so the counts are read once per <see cref="PlacementOptions.RefreshInterval"/>
/// and this replica adds its own placements in between; a burst spreads evenly, and other replicas'
/// placements show at the next read. The insert itself checks the host is still online; when it is
/// not, <see cref="Invalidate"/> makes the next choice read afresh.
/// </summary>
public sealed class HostPlacement(SandboxStore sandboxes, TimeProvider clock, IOptions<PlacementOptions> options) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reading = new(1, 1);
    private Dictionary<Guid, long> _active = [];
    private long _readAt;
    private volatile bool _stale = true;

    /// <summary>The least-loaded online host, counted as one more; null when no host is online.</summary>
    public async Task<Guid?> ChooseAsync(CancellationToken ct)
    {
        if (MustRead)
        {
            await ReadAsync(ct).ConfigureAwait(false);
        }
        lock (_gate)
        {
            if (_active.Count == 0)
            {
                return null;
            }
            // Ties go to the lower id, so every replica breaks them alike.
            var (host, active) = _active.MinBy(pair => (pair.Value, pair.Key));
            _active[host] = active + 1;
            return host;
        }
    }

    /// <summary>Forget the counts: a host joined, came back or went away.</summary>
    public void Invalidate() => _stale = true;

    public void Dispose() => _reading.Dispose();

    // No host known: read every time, so a host that just registered is used at once.
    private bool MustRead => _stale || _active.Count == 0 || clock.GetElapsedTime(_readAt) > options.Value.RefreshInterval;

    private async Task ReadAsync(CancellationToken ct)
    {
        await _reading.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!MustRead)
            {
                return; // another caller read them while this one waited
            }
            _stale = false;
            var counts = await sandboxes.ActiveSandboxesPerOnlineHostAsync(ct).ConfigureAwait(false);
            lock (_gate)
            {
                _active = new Dictionary<Guid, long>(counts);
                _readAt = clock.GetTimestamp();
            }
        }
        finally
        {
            _reading.Release();
        }
    }
}
