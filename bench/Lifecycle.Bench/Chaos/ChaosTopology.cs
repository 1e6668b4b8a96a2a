namespace Lifecycle.Bench.Chaos;

/// <summary>What the soak runs: one control plane on one Redis (the default), or three replicas on a Redis Cluster.</summary>
public enum ChaosTopology
{
    Single,
    Cluster,
}

public static class ChaosTopologies
{
    public static ChaosTopology Parse(string? text) => text switch
    {
        null or "single" => ChaosTopology.Single,
        "cluster" => ChaosTopology.Cluster,
        _ => throw new ArgumentException($"--topology: single or cluster, not {text}"),
    };

    public static string Name(this ChaosTopology topology) => topology == ChaosTopology.Cluster ? "cluster" : "single";

    /// <summary>
    /// The kinds of fault each topology's schedule cycles through. In the cluster, a replica's kill stands
    /// for both the control plane's and the consumer's (every replica consumes), and a master's kill for
    /// Redis's (a failover instead of a restart on the same data).
    /// </summary>
    public static IReadOnlyList<FaultKind> FaultKinds(this ChaosTopology topology) => topology == ChaosTopology.Cluster
        ?
        [
            FaultKind.ReplicaKill, FaultKind.RedisMasterKill, FaultKind.PostgresCrash, FaultKind.PostgresLock,
            FaultKind.HostFreeze, FaultKind.HostRestartEmpty, FaultKind.HostRestartKeep, FaultKind.HostRpcFaults,
        ]
        :
        [
            FaultKind.ControlPlaneKill, FaultKind.ConsumerKill, FaultKind.RedisKill, FaultKind.PostgresCrash, FaultKind.PostgresLock,
            FaultKind.HostFreeze, FaultKind.HostRestartEmpty, FaultKind.HostRestartKeep, FaultKind.HostRpcFaults,
        ];
}
