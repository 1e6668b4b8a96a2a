namespace Lifecycle.Bench.Chaos;

/// <summary>
/// What the load, the faults and the checks need of a soak's stack, whichever its topology: one control
/// plane on a single Redis (<see cref="ChaosStack"/>), or several replicas on a Redis Cluster
/// (<see cref="ChaosClusterStack"/>).
/// </summary>
public interface IChaosStack : IAsyncDisposable
{
    /// <summary>The control planes requests go to; the load spreads them round robin.</summary>
    IReadOnlyList<ApiTarget> Targets { get; }

    /// <summary>Where the soak's own admin requests go (host list, reconcile requests).</summary>
    Uri AdminApi { get; }

    int Hosts { get; }

    int SimulatorAdminPort { get; }

    /// <summary>StackExchange.Redis configuration of the Redis the control planes use.</summary>
    string Redis { get; }

    /// <summary>For the soak's own reads and locks: no pool, so a connection broken by a Postgres crash is never reused.</summary>
    string PostgresUnpooled { get; }

    /// <summary>Event stream partitions (<c>Lifecycle:Streams:Partitions</c>).</summary>
    int Partitions { get; }

    bool SimulatorAlive { get; }

    /// <summary>Immediate shutdown (<c>servers.sh crash DIR postgres</c>): no checkpoint, crash recovery on the next start.</summary>
    Task StopPostgresImmediatelyAsync();

    Task StartPostgresAgainAsync();

    /// <summary>After the load: every server and control plane up again.</summary>
    Task RestoreAsync();
}
