using Lifecycle.Consumers;

namespace Lifecycle.Tests.Scaling;

/// <summary>
/// Two consumers applying one partition at once, the owner and one that thinks it is: what a replica
/// cut off from Postgres does until it notices, beside the replica that took its partitions.
/// </summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class TwoOwnersForAMomentTests
{
    [Test]
    public async Task Two_consumers_on_the_same_partitions_at_once_still_apply_each_event_once_with_contiguous_versions()
    {
        await using var deployment = await ReplicaDeployment.StartAsync(replicas: 2, hosts: 4, hostLatencyMs: 20);
        string[] replicas = [ReplicaDeployment.Name(1), ReplicaDeployment.Name(2)];
        await LeaseWatch.WaitUntilSharedAsync(deployment, replicas, TimeSpan.FromSeconds(60));
        var fences = (await deployment.LeasesAsync()).ToDictionary(l => (l.Kind, l.Slot), l => (l.Owner, l.Fence));

        var storm = new Storm(deployment, replicas);
        using var stop = new CancellationTokenSource();
        var load = storm.RunAsync(clients: 8, stop.Token);
        await Eventually.TrueAsync(() => storm.Accepted.Count >= 20, TimeSpan.FromSeconds(60), "the load is under way");

        await using var intruder = new Intruder(deployment, "intruder");
        // Three bouts: each starts as a takeover does, claiming at once whatever the owners hold unacknowledged.
        for (var bout = 0; bout < 3; bout++)
        {
            var before = storm.Accepted.Count;
            using var during = new CancellationTokenSource();
            var consuming = intruder.ConsumeAllPartitionsAsync(during.Token);
            await Eventually.TrueAsync(() => storm.Accepted.Count >= before + 20, TimeSpan.FromSeconds(60), "events flow while two consume");
            await during.CancelAsync();
            try
            {
                await consuming;
            }
            catch (OperationCanceledException)
            {
                // stopped while backing off from an error: what it had in hand stays pending for the owners
            }
        }
        await stop.CancelAsync();
        await load;
        var counters = intruder.Counters;
        deployment.Note($"{storm.Accepted.Count} requests accepted; the intruder applied {counters.Total(ApplyOutcome.Applied)}, " +
            $"found {counters.Total(ApplyOutcome.Duplicate)} already applied and {counters.Total(ApplyOutcome.Stale)} stale");
        Assert.That(counters.Total(ApplyOutcome.Applied), Is.GreaterThan(0), "the intruder really applied events beside the owners");
        Assert.That((await deployment.LeasesAsync()).ToDictionary(l => (l.Kind, l.Slot), l => (l.Owner, l.Fence)), Is.EqualTo(fences),
            "the owners held their leases throughout: there were two consumers at once");

        await Settlement.AssertSettledAsync(deployment, storm.Accepted.Select(a => a.SandboxId), TimeSpan.FromSeconds(60));
    }
}
