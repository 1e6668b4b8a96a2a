using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Placement;

/// <summary>Bound from <c>Lifecycle:Placement</c>.</summary>
public sealed class PlacementOptions
{
    public const string Section = "Lifecycle:Placement";

    /// <summary>How old the per-host counts may grow before they are read again from Postgres.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Chooses the host for a new sandbox by "power of two choices": two different online hosts at random,
/// and of those the one with fewer sandboxes that are not <c>stopped</c>. Counting them is a read of every
/// such sandbox, too much for each create (56 ms at 100,000 sandboxes), so the counts are read once per
/// <see cref="PlacementOptions.RefreshInterval"/> and this replica adds its own placements in between.
/// Not simply the least-loaded host: every replica reads the same counts, so every replica would send
/// every create to the same host until its next read; a host that joined empty would take all of them,
/// from every replica, each filling the whole gap on its own. A host that must first be sampled gets at
/// most 2 in N of a replica's creates, so none is flooded; emptier hosts still catch up (they win every
/// pair they are in), and one replica's placements stay within a few of even. With two hosts both are
/// always drawn: the least-loaded rule again. The insert itself checks the host is still online; when it
/// is not, <see cref="Invalidate"/> makes the next choice read afresh.
/// </summary>
public sealed class HostPlacement(SandboxStore sandboxes, TimeProvider clock, IOptions<PlacementOptions> options) : IDisposable
{
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _reading = new(1, 1);
    private Dictionary<Guid, long> _active = [];
    private Guid[] _hosts = [];
    private long _readAt;
    private volatile bool _stale = true;

    /// <summary>The emptier of two random online hosts, counted as one more; null when no host is online.</summary>
    public async Task<Guid?> ChooseAsync(CancellationToken ct)
    {
        if (MustRead)
        {
            await ReadAsync(ct);
        }
        lock (_gate)
        {
            if (_hosts.Length == 0)
            {
                return null;
            }
            var host = EmptierOfTwo();
            _active[host]++;
            return host;
        }
    }

    // The pair is drawn in random order, so keeping the first on a tie is a fair coin.
    private Guid EmptierOfTwo()
    {
        if (_hosts.Length == 1)
        {
            return _hosts[0];
        }
        var first = Random.Shared.Next(_hosts.Length);
        var second = Random.Shared.Next(_hosts.Length - 1);
        if (second >= first)
        {
            second++;
        }
        var (a, b) = (_hosts[first], _hosts[second]);
        return _active[b] < _active[a] ? b : a;
    }

    /// <summary>Forget the counts: a host joined, came back or went away.</summary>
    public void Invalidate() => _stale = true;

    public void Dispose() => _reading.Dispose();

    // No host known: read every time, so a host that just came online is used at once.
    private bool MustRead => _stale || _active.Count == 0 || clock.GetElapsedTime(_readAt) > options.Value.RefreshInterval;

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
            var counts = await sandboxes.ActiveSandboxesPerOnlineHostAsync(ct);
            lock (_gate)
            {
                _active = new Dictionary<Guid, long>(counts);
                _hosts = [.. _active.Keys];
                _readAt = clock.GetTimestamp();
            }
        }
        finally
        {
            _reading.Release();
        }
    }
}
