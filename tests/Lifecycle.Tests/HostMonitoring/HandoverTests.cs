using Lifecycle.HostAgent.V1;
using Lifecycle.HostMonitoring;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>
/// A host whose passes move from one replica to another: the next replica carries on from what the
/// previous one's passes remembered, instead of starting over.
/// </summary>
public sealed class HandoverTests
{
    [Test]
    public async Task An_orphan_seen_by_one_replica_is_destroyed_at_the_next_replicas_first_sight_once_the_grace_has_passed()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];
        var hostId = host.HostId!.Value;
        await using var first = MonitorReplica.Start(harness);
        await using var next = MonitorReplica.Start(harness);
        using var channel = TestTrust.Channel(host);
        var stray = Guid.NewGuid().ToString();
        await new HostAgentClient(channel).CreateSandboxAsync(new CreateSandboxRequest { SandboxId = stray, Template = "base", Vcpus = 1, MemoryMb = 512, TimeoutSec = 300 });

        await first.SyncAsync(hostId);
        Assert.That(host.TryGet(stray, out _), Is.True, "first sight: the grace begins");
        await PassMemory.BackdateSightingsAsync(harness.Database, hostId, new HostMonitorOptions().OrphanGrace);

        await next.SyncAsync(hostId);

        Assert.That(host.TryGet(stray, out _), Is.False, "destroyed at the next replica's first sight");
    }

    [Test]
    public async Task A_wipe_withheld_by_one_replica_is_carried_out_by_the_next_replicas_first_pass()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await harness.CreateRunningAsync());
        }
        await using var first = MonitorReplica.Start(harness);
        await using var next = MonitorReplica.Start(harness);
        host.RestartEmpty();

        await first.SyncAsync(host.HostId!.Value);
        Assert.That(first.Counters.WithheldTotal, Is.EqualTo(20), "the first replica held the wipe back");

        await next.SyncAsync(host.HostId.Value);

        Assert.That(next.Counters.WithheldTotal, Is.Zero, "the next replica did not refuse it again");
        foreach (var id in ids)
        {
            await harness.WaitForStatusAsync(id, "stopped");
        }
    }
}
