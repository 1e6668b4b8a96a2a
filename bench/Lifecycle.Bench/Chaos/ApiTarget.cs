namespace Lifecycle.Bench.Chaos;

/// <summary>
/// One control plane the load sends requests to, with what the requests note about it: its start count
/// (<see cref="Generation"/>) and whether it is up (false from just before a kill until the restarted
/// process answers /healthz).
/// </summary>
public sealed class ApiTarget(string name, Uri api)
{
    private volatile bool _up;
    private int _generation;

    public string Name { get; } = name;

    public Uri Api { get; } = api;

    public int Generation => Volatile.Read(ref _generation);

    public bool Up => _up;

    /// <summary>A new process is about to be started: requests from now on belong to it.</summary>
    public void Starting() => Interlocked.Increment(ref _generation);

    public void MarkUp() => _up = true;

    public void MarkDown() => _up = false;
}
