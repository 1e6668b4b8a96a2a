using Lifecycle.Contract.Partitioning;
using Lifecycle.HostMonitoring;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>Which hosts a replica answers for, as its shards come and go.</summary>
public sealed class HostShardsTests
{
    [Test]
    public async Task A_shard_taken_back_before_its_old_run_ended_stays_owned_when_the_old_run_ends()
    {
        var options = new HostMonitorOptions();
        var shards = new HostShards(Options.Create(options), new PassRequests(), TimeProvider.System);
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

    [Test]
    public async Task Taking_and_losing_a_shard_each_ask_for_a_pass_over_every_host()
    {
        var passes = new PassRequests();
        var shards = new HostShards(Options.Create(new HostMonitorOptions()), passes, TimeProvider.System);
        using var owned = new CancellationTokenSource();

        var run = shards.RunAsync(5, owned.Token);
        Assert.That(passes.Reader.TryRead(out var onTaking), Is.True, "a pass asked for when the shard is taken");
        Assert.That(onTaking, Is.Null, "over every host");
        Assert.That(passes.Reader.TryRead(out _), Is.False);

        await owned.CancelAsync();
        await run;
        Assert.That(passes.Reader.TryRead(out var onLoss), Is.True, "a pass asked for when the shard is lost");
        Assert.That(onLoss, Is.Null, "over every host");
    }
}
