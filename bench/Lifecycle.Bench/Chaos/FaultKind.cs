namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The faults the soak injects; every kind of the topology's (<see cref="ChaosTopology"/>) comes once per
/// cycle of the schedule. The first nine are the single topology's.
/// </summary>
public enum FaultKind
{
    ControlPlaneKill,
    ConsumerKill,
    RedisKill,
    PostgresCrash,
    PostgresLock,
    HostFreeze,
    HostRestartEmpty,
    HostRestartKeep,
    HostRpcFaults,

    /// <summary>Cluster: <c>kill -9</c> of one control-plane replica (once it holds pending entries), started again 2–15 s later.</summary>
    ReplicaKill,

    /// <summary>Cluster: <c>kill -9</c> of a Redis master, its replica promoted; half the time after a second of writes that reached the master alone.</summary>
    RedisMasterKill,
}

/// <summary>One planned fault: when (from the start of the load), what, and a seeded size (how long, how bad).</summary>
public sealed record PlannedFault(TimeSpan At, FaultKind Kind, double Size);

/// <summary>The seeded schedule: faults spaced 0.5–1.5× the mean apart, kinds in shuffled cycles of all of them.</summary>
public static class FaultSchedule
{
    public static IReadOnlyList<PlannedFault> Plan(int seed, TimeSpan duration, TimeSpan spacing, IReadOnlyList<FaultKind> kinds)
    {
        var random = new Random(seed);
        var cycle = new Queue<FaultKind>();
        var plan = new List<PlannedFault>();
        // The first fault comes after some load has built up; none in the last spacing, so the last one can end.
        for (var at = spacing; at < duration - spacing / 2; at += spacing * (0.5 + random.NextDouble()))
        {
            if (cycle.Count == 0)
            {
                var shuffled = kinds.ToArray();
                random.Shuffle(shuffled);
                cycle = new Queue<FaultKind>(shuffled);
            }
            plan.Add(new PlannedFault(at, cycle.Dequeue(), random.NextDouble()));
        }
        return plan;
    }
}
