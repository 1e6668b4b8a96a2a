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

    /// <summary>Creates the sandbox, or returns the existing one; false when the id was destroyed.</summary>
    public bool TryCreate(SandboxSpec spec, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (_live.TryGetValue(spec.Id, out sandbox))
            {
                return true;
            }

            if (_destroyed.Contains(spec.Id))
            {
                sandbox = null;
                return false;
            }

            var now = time.GetUtcNow();
            sandbox = new SimulatedSandbox(spec, SimulatedSandboxState.Running, AutoPaused: false, now, spec.ExpiresAt);
            _live.Add(spec.Id, sandbox);
            return true;
        }
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
                _live[id] = sandbox;
            }

            return true;
        }
    }

    /// <summary>
    /// Resumes a paused sandbox (restoring a stored snapshot), returns a running one as it is; either way its deadline
    /// becomes <paramref name="expiresAt"/> when given. False when unknown.
    /// </summary>
    public bool TryResume(string id, DateTimeOffset? expiresAt, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out sandbox))
            {
                if (!_stored.Remove(id, out sandbox))
                {
                    return false;
                }
                _live[id] = sandbox;
            }

            if (sandbox.State == SimulatedSandboxState.Paused)
            {
                sandbox = sandbox with { State = SimulatedSandboxState.Running, AutoPaused = false };
            }
            if (expiresAt is not null)
            {
                sandbox = sandbox with { ExpiresAt = expiresAt };
            }
            _live[id] = sandbox;

            return true;
        }
    }

    /// <summary>Destroys the sandbox; returns whether it existed.</summary>
    /// <remarks>Unknown ids are tombstoned too: a create still in flight when the caller gave up must not win later.</remarks>
    public bool Destroy(string id)
    {
        lock (_gate)
        {
            _destroyed.Add(id);
            return _live.Remove(id) | _stored.Remove(id);
        }
    }

    /// <summary>The VM died by itself: gone, and remembered as destroyed so a late create cannot bring it back.</summary>
    public bool Exit(string id)
    {
        lock (_gate)
        {
            if (!_live.Remove(id))
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
                _live[id] = sandbox;
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
                    _live.Remove(expiry.SandboxId);
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
        _live[sandbox.Id] = sandbox with { State = SimulatedSandboxState.Paused, AutoPaused = true };
        _autoPaused.Add(sandbox.Id);
    }
}
