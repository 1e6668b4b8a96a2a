using System.Diagnostics.CodeAnalysis;

namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>The sandboxes one simulated host runs, with the transition rules of hostagent.proto.</summary>
/// <remarks>One lock per host: hosts never contend with each other, and calls to one host are cheap enough to serialise.</remarks>
/// <param name="snapshotsOffHost">
/// Paused sandboxes' snapshots are also kept in storage off the host, so they outlive a restart that loses
/// the VMs: listed as stored snapshots, and a resume restores them.
/// </param>
internal sealed class SandboxTable(int tombstoneCapacity, TimeProvider time, bool snapshotsOffHost = false)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SimulatedSandbox> _live = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SimulatedSandbox> _stored = new(StringComparer.Ordinal);
    private readonly BoundedIdSet _destroyed = new(tombstoneCapacity);
    private readonly BoundedIdSet _autoPaused = new(tombstoneCapacity);

    // The memory of the running VMs, kept by Put and Drop: what a create or resume must fit beside. A paused VM's
    // memory is written to its snapshot and freed.
    private long _runningMemoryMb;

    /// <summary>
    /// Creates the sandbox, or returns the existing one (<see cref="Admission.Admitted"/>); <see cref="Admission.Destroyed"/>
    /// when the id was destroyed, <see cref="Admission.NoRoom"/> when its memory does not fit beside the running VMs'
    /// in <paramref name="memoryMb"/> (vCPUs are time-shared: never refused).
    /// </summary>
    public Admission TryCreate(SandboxSpec spec, long memoryMb, out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (_live.TryGetValue(spec.Id, out sandbox))
            {
                return Admission.Admitted;
            }

            if (_destroyed.Contains(spec.Id))
            {
                sandbox = null;
                return Admission.Destroyed;
            }

            if (_runningMemoryMb + spec.MemoryMb > memoryMb)
            {
                sandbox = null;
                return Admission.NoRoom;
            }

            var now = time.GetUtcNow();
            sandbox = new SimulatedSandbox(spec, SimulatedSandboxState.Running, AutoPaused: false, now, spec.ExpiresAt);
            Put(sandbox);
            return Admission.Admitted;
        }
    }

    /// <summary>What a create or resume met.</summary>
    public enum Admission
    {
        Admitted,
        Destroyed,
        NoRoom,
        Unknown,
    }

    private static long Held(SimulatedSandbox sandbox) => sandbox.State == SimulatedSandboxState.Running ? sandbox.Spec.MemoryMb : 0;

    private void Put(SimulatedSandbox sandbox)
    {
        if (_live.TryGetValue(sandbox.Id, out var before))
        {
            _runningMemoryMb -= Held(before);
        }
        _live[sandbox.Id] = sandbox;
        _runningMemoryMb += Held(sandbox);
    }

    private bool Drop(string id)
    {
        if (!_live.Remove(id, out var before))
        {
            return false;
        }
        _runningMemoryMb -= Held(before);
        return true;
    }

    /// <summary>Pauses a running sandbox, returns a paused one (or a stored snapshot) as it is; false when unknown.</summary>
    public bool TryPause(string id, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out sandbox))
            {
                return _stored.TryGetValue(id, out sandbox);
            }

            if (sandbox.State == SimulatedSandboxState.Running)
            {
                sandbox = sandbox with { State = SimulatedSandboxState.Paused, AutoPaused = false };
                Put(sandbox);
            }

            return true;
        }
    }

    /// <summary>
    /// Resumes a paused sandbox (restoring a stored snapshot), returns a running one as it is; either way its deadline
    /// becomes <paramref name="expiresAt"/> when given. <see cref="Admission.Unknown"/> when unknown,
    /// <see cref="Admission.NoRoom"/> when a paused one's memory does not fit beside the running VMs' in
    /// <paramref name="memoryMb"/>: it stays paused, its snapshot kept.
    /// </summary>
    public Admission TryResume(string id, DateTimeOffset? expiresAt, long memoryMb, out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out sandbox) && !_stored.TryGetValue(id, out sandbox))
            {
                return Admission.Unknown;
            }
            if (sandbox.State == SimulatedSandboxState.Paused)
            {
                if (_runningMemoryMb + sandbox.Spec.MemoryMb > memoryMb)
                {
                    return Admission.NoRoom;
                }
                sandbox = sandbox with { State = SimulatedSandboxState.Running, AutoPaused = false };
            }
            if (expiresAt is not null)
            {
                sandbox = sandbox with { ExpiresAt = expiresAt };
            }
            _stored.Remove(id);
            Put(sandbox);

            return Admission.Admitted;
        }
    }

    /// <summary>Destroys the sandbox; returns whether it existed.</summary>
    /// <remarks>Unknown ids are tombstoned too: a create still in flight when the caller gave up must not win later.</remarks>
    public bool Destroy(string id)
    {
        lock (_gate)
        {
            _destroyed.Add(id);
            return Drop(id) | _stored.Remove(id);
        }
    }

    /// <summary>The VM died by itself: gone, and remembered as destroyed so a late create cannot bring it back.</summary>
    public bool Exit(string id)
    {
        lock (_gate)
        {
            if (!Drop(id))
            {
                return false;
            }
            _destroyed.Add(id);
            return true;
        }
    }

    /// <summary>Pauses the sandbox as the host would on idle timeout; false when unknown or not running.</summary>
    public bool AutoPause(string id)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out var sandbox) || sandbox.State != SimulatedSandboxState.Running)
            {
                return false;
            }

            MarkAutoPaused(sandbox);
            return true;
        }
    }

    /// <summary>
    /// Moves a live sandbox's deadline, unless a later call set it already (<paramref name="setAtMs"/> older than the
    /// last one applied); false when unknown.
    /// </summary>
    public bool TrySetTimeout(string id, DateTimeOffset expiresAt, long setAtMs, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out sandbox))
            {
                return false;
            }
            if (setAtMs >= sandbox.DeadlineSetAtMs)
            {
                sandbox = sandbox with { ExpiresAt = expiresAt, DeadlineSetAtMs = setAtMs };
                Put(sandbox);
            }
            return true;
        }
    }

    /// <summary>
    /// Acts on every deadline passed, as a host agent does on its own (the rule of the contract's <c>Expiry</c>): a
    /// sandbox whose lifetime has ended is destroyed, running or paused; a running one past its deadline is paused, or
    /// destroyed when its <c>on_timeout</c> says so. Returns what it did, to report.
    /// </summary>
    public IReadOnlyList<Expiry> Expire()
    {
        var now = time.GetUtcNow();
        List<Expiry>? done = null;
        lock (_gate)
        {
            foreach (var sandbox in _live.Values.Concat(_stored.Values))
            {
                if (sandbox.Spec.LifetimeEndsAt <= now)
                {
                    (done ??= []).Add(new Expiry(sandbox.Id, HostReport.Exited, Expiry.MaxLifetime));
                }
                else if (sandbox.State == SimulatedSandboxState.Running && sandbox.ExpiresAt <= now)
                {
                    (done ??= []).Add(new Expiry(sandbox.Id, sandbox.Spec.DestroyOnTimeout ? HostReport.Exited : HostReport.AutoPaused, Expiry.Timeout));
                }
            }

            foreach (var expiry in done ?? [])
            {
                if (expiry.ReportType == HostReport.AutoPaused)
                {
                    MarkAutoPaused(_live[expiry.SandboxId]);
                }
                else
                {
                    _destroyed.Add(expiry.SandboxId);
                    Drop(expiry.SandboxId);
                    _stored.Remove(expiry.SandboxId);
                }
            }
        }

        return done ?? [];
    }

    public bool TryGet(string id, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            return _live.TryGetValue(id, out sandbox);
        }
    }

    public bool IsDestroyed(string id)
    {
        lock (_gate)
        {
            return _destroyed.Contains(id);
        }
    }

    /// <summary>What its running VMs take: vCPUs and MiB (a paused VM's memory is in its snapshot).</summary>
    public (long Vcpus, long MemoryMb) Running()
    {
        lock (_gate)
        {
            var running = _live.Values.Where(sandbox => sandbox.State == SimulatedSandboxState.Running).ToList();
            return (running.Sum(sandbox => (long)sandbox.Spec.Vcpus), _runningMemoryMb);
        }
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _live.Count;
            }
        }
    }

    public Dictionary<string, SimulatedSandbox> Snapshot()
    {
        lock (_gate)
        {
            return new Dictionary<string, SimulatedSandbox>(_live, StringComparer.Ordinal);
        }
    }

    /// <summary>The live sandboxes, every id auto-paused since start and the stored snapshots, read under one lock so they agree.</summary>
    public (SimulatedSandbox[] Sandboxes, string[] AutoPausedIds, string[] StoredSnapshotIds) List()
    {
        lock (_gate)
        {
            return ([.. _live.Values], _autoPaused.ToArray(), [.. _stored.Keys]);
        }
    }

    /// <summary>
    /// A restart of the host that lost its VMs: nothing runs, nothing is remembered as auto-paused;
    /// tombstones survive, and so do paused sandboxes' snapshots when they are kept off the host.
    /// </summary>
    public void LoseEverything()
    {
        lock (_gate)
        {
            if (snapshotsOffHost)
            {
                foreach (var paused in _live.Values.Where(s => s.State == SimulatedSandboxState.Paused))
                {
                    _stored[paused.Id] = paused;
                }
            }
            _live.Clear();
            _runningMemoryMb = 0;
            _autoPaused.Clear();
        }
    }

    public string[] AutoPausedIds()
    {
        lock (_gate)
        {
            return _autoPaused.ToArray();
        }
    }

    private void MarkAutoPaused(SimulatedSandbox sandbox)
    {
        Put(sandbox with { State = SimulatedSandboxState.Paused, AutoPaused = true });
        _autoPaused.Add(sandbox.Id);
    }
}
