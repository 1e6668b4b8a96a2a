using System.Diagnostics;

namespace Lifecycle.Tests.Scaling;

/// <summary>A third replica started beside two that carry a steady load.</summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class ReplicaAddedUnderLoadTests
{
    [Test]
    public async Task A_replica_added_under_load_gets_its_share_within_a_few_renew_periods_and_no_event_applies_twice()
    {
        await using var deployment = await ReplicaDeployment.StartAsync(replicas: 2, hosts: 4, hostLatencyMs: 50);
        string[] first = [ReplicaDeployment.Name(1), ReplicaDeployment.Name(2)];
        var added = ReplicaDeployment.Name(3);
        await LeaseWatch.WaitUntilSharedAsync(deployment, first, TimeSpan.FromSeconds(60));
        deployment.Note("two replicas share the work");

        var storm = new Storm(deployment, first);
        using var stop = new CancellationTokenSource();
        var load = storm.RunAsync(clients: 6, stop.Token);
        await Eventually.TrueAsync(() => storm.Accepted.Count >= 20, TimeSpan.FromSeconds(60), "the load is under way");

        var third = await deployment.StartAsync(added);
        await Eventually.TrueAsync(() => third.Logged($"Replica {added} joined"), TimeSpan.FromSeconds(60), $"{added} joins");
        var sinceJoin = Stopwatch.StartNew();
        deployment.Note($"{added} joined");
        await LeaseWatch.WaitUntilSharedAsync(deployment, [.. first, added], TimeSpan.FromSeconds(30));
        var rebalanced = sinceJoin.Elapsed;
        deployment.Note($"partitions and shards rebalanced over three replicas {rebalanced.TotalMilliseconds:F0} ms after {added} joined: {LeaseWatch.Describe(await deployment.LeasesAsync())}");
        Assert.That(rebalanced, Is.LessThan(ReplicaDeployment.RenewPeriod * 5), "within a few renew periods of joining");

        await deployment.WaitUntilServingAsync(added);
        storm.Add(added);
        var joinedAt = storm.Elapsed;
        await Eventually.TrueAsync(() => storm.Accepted.Count(a => a.At > joinedAt) >= 30, TimeSpan.FromSeconds(60), "the load goes on over three replicas");
        await stop.CancelAsync();
        await load;
        deployment.Note($"{storm.Accepted.Count} requests accepted, {storm.Accepted.Count(a => a.Replica == added)} by {added}");

        await Settlement.AssertSettledAsync(deployment, storm.Accepted.Select(a => a.SandboxId), TimeSpan.FromSeconds(60));
    }
}
