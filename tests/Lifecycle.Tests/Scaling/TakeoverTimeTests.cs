using System.Diagnostics;

namespace Lifecycle.Tests.Scaling;

/// <summary>
/// How long a killed replica's share goes unworked, measured for each of three replicas in turn: until
/// every partition and shard is owned by a live replica, and every host has been called by a
/// HostMonitor pass since the kill (no load runs, so only passes call the hosts).
/// </summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class TakeoverTimeTests
{
    [Test]
    public async Task Each_replica_killed_in_turn_is_replaced_within_a_lease_period_and_a_renew_period()
    {
        await using var deployment = await ReplicaDeployment.StartAsync(replicas: 3, hosts: 6);
        string[] replicas = [ReplicaDeployment.Name(1), ReplicaDeployment.Name(2), ReplicaDeployment.Name(3)];
        var bound = ReplicaDeployment.LeasePeriod + ReplicaDeployment.RenewPeriod;
        var measured = new List<(string Victim, TimeSpan Leases, TimeSpan Passes)>();

        foreach (var victim in replicas)
        {
            await LeaseWatch.WaitUntilSharedAsync(deployment, replicas, TimeSpan.FromSeconds(60));
            var survivors = replicas.Where(r => r != victim).ToArray();
            var calls = deployment.Fleet.Hosts.ToDictionary(h => h.Name, h => h.CallsReceived);
            var passLines = survivors.ToDictionary(r => r, r => deployment[r].Lines.Count(IsPass));

            var sinceKill = Stopwatch.StartNew();
            deployment.Kill(victim);
            var leases = await LeaseWatch.TimeUntilOwnedByAsync(deployment, survivors, sinceKill, bound * 3);
            await Eventually.TrueAsync(() => deployment.Fleet.Hosts.All(h => h.CallsReceived > calls[h.Name]), bound * 3,
                "every host is called by a pass after the kill");
            var passes = sinceKill.Elapsed;
            measured.Add((victim, leases, passes));
            deployment.Note($"{victim} killed: its partitions and shards owned by live replicas after {leases.TotalMilliseconds:F0} ms, " +
                $"every host passed over after {passes.TotalMilliseconds:F0} ms " +
                $"({string.Join(", ", survivors.Select(r => $"{r} logged {deployment[r].Lines.Count(IsPass) - passLines[r]} passes"))})");

            await deployment.StartAsync(victim);
            await deployment.WaitUntilServingAsync(victim);
        }

        deployment.Note($"takeover times (bound {bound.TotalMilliseconds:F0} ms): " +
            string.Join("; ", measured.Select(m => $"{m.Victim} leases {m.Leases.TotalMilliseconds:F0} ms, passes {m.Passes.TotalMilliseconds:F0} ms")));
        Assert.That(measured.Select(m => m.Leases), Is.All.LessThanOrEqualTo(bound), "partitions and shards owned again within a lease and a renew period");
        Assert.That(measured.Select(m => m.Passes), Is.All.LessThanOrEqualTo(bound), "every host passed over again within a lease and a renew period");
    }

    private static bool IsPass(string line) => line.Contains("HostMonitor pass over ", StringComparison.Ordinal);
}
