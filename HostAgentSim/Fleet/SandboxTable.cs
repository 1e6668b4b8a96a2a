using System.Diagnostics.CodeAnalysis;

namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>The sandboxes one simulated host runs, with the transition rules of hostagent.proto.</summary>
/// <remarks>One lock per host: hosts never contend with each other, and calls to one host are cheap enough to serialise.</remarks>
internal sealed class SandboxTable(int tombstoneCapacity, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, SimulatedSandbox> _live = new(StringComparer.Ordinal);
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
            sandbox = new SimulatedSandbox(spec, SimulatedSandboxState.Running, AutoPaused: false, now, now);
            _live.Add(spec.Id, sandbox);
            return true;
        }
    }

    /// <summary>Pauses a running sandbox, returns a paused one as it is; false when unknown.</summary>
    public bool TryPause(string id, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out sandbox))
            {
                return false;
            }

            if (sandbox.State == SimulatedSandboxState.Running)
            {
                sandbox = sandbox with { State = SimulatedSandboxState.Paused, AutoPaused = false };
                _live[id] = sandbox;
            }

            return true;
        }
    }

    /// <summary>Resumes a paused sandbox, returns a running one as it is; false when unknown.</summary>
    public bool TryResume(string id, [NotNullWhen(true)] out SimulatedSandbox? sandbox)
    {
        lock (_gate)
        {
            if (!_live.TryGetValue(id, out sandbox))
            {
                return false;
            }

            if (sandbox.State == SimulatedSandboxState.Paused)
            {
                sandbox = sandbox with
                {
                    State = SimulatedSandboxState.Running,
                    AutoPaused = false,
                    LastActiveAt = time.GetUtcNow(),
                };
                _live[id] = sandbox;
            }

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
            return _live.Remove(id);
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

    /// <summary>Auto-pauses every running sandbox idle past its timeout; returns their ids.</summary>
    public IReadOnlyList<string> PauseIdle()
    {
        var now = time.GetUtcNow();
        List<string>? paused = null;
        lock (_gate)
        {
            foreach (var sandbox in _live.Values)
            {
                if (sandbox.State == SimulatedSandboxState.Running
                    && sandbox.Spec.TimeoutSec > 0
                    && now - sandbox.LastActiveAt >= TimeSpan.FromSeconds(sandbox.Spec.TimeoutSec))
                {
                    (paused ??= []).Add(sandbox.Id);
                }
            }

            foreach (var id in paused ?? [])
            {
                MarkAutoPaused(_live[id]);
            }
        }

        return paused ?? [];
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

    /// <summary>The live sandboxes and every id auto-paused since start, read under one lock so they agree.</summary>
    public (SimulatedSandbox[] Sandboxes, string[] AutoPausedIds) List()
    {
        lock (_gate)
        {
            return ([.. _live.Values], _autoPaused.ToArray());
        }
    }

    /// <summary>A restart of the host that lost its VMs: nothing runs, nothing is remembered as auto-paused; tombstones survive.</summary>
    public void LoseEverything()
    {
        lock (_gate)
        {
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
