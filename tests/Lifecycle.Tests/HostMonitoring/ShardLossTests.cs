using Lifecycle.Contract.Events;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>
/// A pass stopped because this replica lost a shard of hosts (any shard's loss stops every pass under way)
/// must leave each host it had picked free for the next pass, whether or not it had begun on it.
/// </summary>
public sealed class ShardLossTests
{
    [Test]
    public async Task A_pass_stopped_by_a_lost_shard_before_it_reached_its_host_leaves_that_host_to_the_next_pass()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];
        var hostId = host.HostId!.Value;
        var id = await SeedCreateThatNeverReachedTheHostAsync(harness, hostId);
        await using var replica = MonitorReplica.Start(harness);

        // The shard is lost just after the pass has read which hosts are this replica's: the loss stops the pass.
        using var loss = new CancellationTokenSource();
        var stopped = replica.PassAsync(PassScope.Host(hostId, DateTimeOffset.MaxValue), _ =>
        {
            loss.Cancel();
            return true;
        }, loss.Token);
        Assert.That(async () => await stopped, Throws.InstanceOf<OperationCanceledException>());
        Assert.That(host.TryGet(id.ToString(), out _), Is.False, "the stopped pass never reached the host");

        // The shard is this replica's again (taken back, or its owner died): the next pass re-drives the create.
        await replica.PassAsync(PassScope.Host(hostId, DateTimeOffset.MaxValue), _ => true, CancellationToken.None);

        Assert.That(host.TryGet(id.ToString(), out _), Is.True, "the next pass reconciled the host");
        await harness.WaitForStatusAsync(id.ToString(), "running");
    }

    /// <summary>The row a create writes before its call, a minute old, as if the process died between the two.</summary>
    private static async Task<Guid> SeedCreateThatNeverReachedTheHostAsync(ControlPlaneHarness harness, Guid hostId)
    {
        var teamId = await harness.Services.GetRequiredService<TeamStore>().FindTeamByKeyAsync(ControlPlaneHarness.ApiKey, CancellationToken.None)
            ?? throw new AssertionException("the dev team exists");
        var id = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        await harness.Services.GetRequiredService<SandboxStore>().CreateOnHostAsync(hostId,
            new NewSandbox(id, teamId, "base", 1, 512, 600, Lifecycle.Contract.Timeouts.OnTimeout.Pause, null, "{}"),
            harness.Services.GetRequiredService<EventOutbox>().RecordOf(StateEvent.CreateRequested(id, teamId, at)), at.AddSeconds(1), CancellationToken.None);
        return id;
    }
}
