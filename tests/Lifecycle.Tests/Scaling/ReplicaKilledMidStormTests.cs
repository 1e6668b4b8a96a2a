using System.Diagnostics;
using Dapper;

namespace Lifecycle.Tests.Scaling;

/// <summary>Three replicas under a storm of requests, one of them SIGKILLed in the middle of it.</summary>
[Category("Cluster")]
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class ReplicaKilledMidStormTests
{
    [Test]
    public async Task A_replica_killed_mid_storm_loses_its_share_within_a_lease_period_and_every_accepted_request_still_settles()
    {
        // Host calls take 300 ms, so the kill finds operations the victim accepted and never finished.
        await using var deployment = await ReplicaDeployment.StartAsync(replicas: 3, hosts: 4, hostLatencyMs: 300);
        string[] replicas = [ReplicaDeployment.Name(1), ReplicaDeployment.Name(2), ReplicaDeployment.Name(3)];
        // Not the replica the fleet registered with and heartbeats to: the hosts stay online throughout.
        var victim = ReplicaDeployment.Name(2);
        var survivors = replicas.Where(r => r != victim).ToArray();
        await LeaseWatch.WaitUntilSharedAsync(deployment, replicas, TimeSpan.FromSeconds(60));
        deployment.Note("three replicas share the work");

        var storm = new Storm(deployment, replicas);
        using var stop = new CancellationTokenSource();
        var load = storm.RunAsync(clients: 8, stop.Token);
        await Eventually.TrueAsync(() => storm.Accepted.Count(a => a.Replica == victim) >= 5, TimeSpan.FromSeconds(60), "the victim has accepted part of the storm");
        // Answered 202 just before the kill, while hosts take 2 s a call: their host calls are still on
        // their way, or not yet made, when the victim dies.
        SetLatency(deployment, 2000);
        var lastWords = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Storm.CreateAsync(deployment.Client(victim))));
        deployment.Note($"{victim} accepted its last words and is killed");
        var sinceKill = Stopwatch.StartNew();
        var killedAt = storm.Elapsed;
        deployment.Kill(victim);
        SetLatency(deployment, 300);

        var takeover = await LeaseWatch.TimeUntilOwnedByAsync(deployment, survivors, sinceKill, ReplicaDeployment.LeasePeriod * 5);
        deployment.Note($"{victim}'s partitions and shards owned by {string.Join(" and ", survivors)} {takeover.TotalMilliseconds:F0} ms after the kill");
        Assert.That(takeover, Is.LessThan(ReplicaDeployment.LeasePeriod), "taken over within one lease period");

        await Eventually.TrueAsync(() => storm.Accepted.Count(a => a.At > killedAt) >= 20, TimeSpan.FromSeconds(60), "the survivors go on accepting the storm");
        await stop.CancelAsync();
        await load;
        deployment.Note($"{storm.Accepted.Count} requests accepted ({storm.Accepted.Count(a => a.Replica == victim)} by {victim}), {storm.Unanswered} cut off by the kill");

        await Settlement.AssertSettledAsync(deployment, [.. storm.Accepted.Select(a => a.SandboxId), .. lastWords], TimeSpan.FromSeconds(90));
        await using var conn = deployment.Database.DataSource.CreateConnection();
        var ended = (await conn.QueryAsync<(Guid Id, string Status, string Actor)>("""
            SELECT s.id, s.status, t.actor FROM sandboxes s JOIN sandbox_transitions t ON t.sandbox_id = s.id AND t.version = 1
            WHERE s.id = ANY(@Ids)
            """, new { Ids = lastWords })).ToList();
        Assert.That(ended.Select(e => e.Status), Is.EqualTo(Enumerable.Repeat("running", lastWords.Length)), "every create the victim accepted last runs");
        Assert.That(ended.Count(e => e.Actor == "reconciler"), Is.GreaterThan(0),
            $"the HostMonitor finished creates the victim never could (ended by {string.Join(", ", ended.Select(e => e.Actor))})");
    }

    private static void SetLatency(ReplicaDeployment deployment, int milliseconds)
    {
        foreach (var host in deployment.Fleet.Hosts)
        {
            host.LatencyMs = milliseconds;
        }
    }
}
