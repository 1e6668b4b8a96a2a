using System.Globalization;
using Lifecycle.Contract.Text;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// One soak run: how long the load runs, its seed (which fixes the fault schedule and the load's
/// choices), the arrival rate of requests, the mean time between faults, and the topology.
/// </summary>
public sealed record ChaosSettings(TimeSpan Duration, int Seed, double Rate, int Hosts, TimeSpan FaultSpacing, TimeSpan SettleDeadline, string Part, ChaosTopology Topology = ChaosTopology.Single)
{
    public static ChaosSettings Parse(IReadOnlyList<string> args)
    {
        string? Value(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
        TimeSpan Duration(string name, TimeSpan fallback) =>
            Value(name) is { } text ? (Durations.TryParse(text, out var d) ? d : throw new ArgumentException($"{name}: not a duration: {text}")) : fallback;

        var duration = Duration("--duration", TimeSpan.FromMinutes(10));
        var topology = ChaosTopologies.Parse(Value("--topology"));
        var part = topology == ChaosTopology.Cluster ? "chaos-cluster" : "chaos";
        return new ChaosSettings(
            duration,
            Value("--seed") is { } seed ? int.Parse(seed, CultureInfo.InvariantCulture) : 1,
            Value("--rate") is { } rate ? double.Parse(rate, CultureInfo.InvariantCulture) : 10,
            Value("--hosts") is { } hosts ? int.Parse(hosts, CultureInfo.InvariantCulture) : 3,
            // 10 s on average: about 55 planned in 10 minutes, every kind once in each cycle of nine (about 90 s). Faults run one
            // at a time and some last up to 25 s, so on a slow machine fewer start; still more than 40.
            Duration("--fault-spacing", TimeSpan.FromSeconds(10)),
            Duration("--settle", TimeSpan.FromMinutes(3)),
            args.Contains("--ci") ? part + "-ci" : part,
            topology);
    }

    public string Describe() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{(Topology == ChaosTopology.Cluster ? $"cluster topology ({ChaosClusterStack.ReplicaCount} replicas, a 6-node Redis Cluster, {ChaosClusterStack.PartitionCount} partitions), " : "")}seed {Seed}, {Durations.Format(Duration)} of load at {Rate}/s, {Hosts} simulated hosts, a fault every {Durations.Format(FaultSpacing)} on average");
}
