using Lifecycle.Contract.Partitioning;
using Lifecycle.Reconciler;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Unit;

/// <summary>Which hosts a replica answers for, as its shards come and go.</summary>
public sealed class HostShardsTests
{
    [Test]
    public async Task A_shard_taken_back_before_its_old_run_ended_stays_owned_when_the_old_run_ends()
    {
        var options = new HostMonitorOptions();
        var shards = new HostShards(Options.Create(options), TimeProvider.System);
        var host = Enumerable.Range(0, 10_000).Select(_ => Guid.CreateVersion7()).First(id => StableHash.SlotOf(id, options.Shards) == 3);
        using var first = new CancellationTokenSource();
        using var second = new CancellationTokenSource();

        var handedOver = shards.RunAsync(3, first.Token);
        var takenBack = shards.RunAsync(3, second.Token);
        await first.CancelAsync();
        await handedOver;

        Assert.That(shards.OwnsHost(host), Is.True, "the newer run still holds the shard");
        await second.CancelAsync();
        await takenBack;
        Assert.That(shards.OwnsHost(host), Is.False, "gone with the run that held it");
    }
}
