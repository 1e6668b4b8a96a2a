using Lifecycle.Consumers;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Lifecycle.Tests.Consumers;

/// <summary>Consumers of processes long gone are removed from the group, unless they still hold entries.</summary>
[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]
public sealed class IdleConsumerTests(StreamSetup setup)
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await setup.StartHarnessAsync(settings: new Dictionary<string, string?>
    {
        ["Lifecycle:Consumer:MaintenanceInterval"] = "01:00:00",
        ["Lifecycle:Consumer:ClaimMinIdle"] = "01:00:00",
        ["Lifecycle:Consumer:RemoveIdleConsumersAfter"] = "00:00:00.300",
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Idle_consumers_are_removed_but_never_one_holding_entries()
    {
        var transaction = _harness.Redis.CreateTransaction();
        _ = transaction.StreamAddAsync(_harness.Keys.Partition(0).Events, [new NameValueEntry("type", "held")]);
        _ = transaction.StreamReadGroupAsync(_harness.Keys.Partition(0).Events, StreamKeys.ApplierGroup, "holder", ">", 10);
        await transaction.ExecuteAsync();
        await _harness.Redis.ExecuteAsync("XGROUP", "CREATECONSUMER", _harness.Keys.Partition(0).Events, StreamKeys.ApplierGroup, "gone");
        var maintenance = _harness.Services.GetRequiredService<StreamMaintenance>();
        var self = _harness.Services.GetRequiredService<EventAppliers>().ConsumerName;

        await Eventually.TrueAsync(async () => await maintenance.RemoveIdleConsumersAsync(_harness.Keys.Partition(0), self) > 0,
            TimeSpan.FromSeconds(10), "the idle consumer is removed");

        var names = (await _harness.Redis.StreamConsumerInfoAsync(_harness.Keys.Partition(0).Events, StreamKeys.ApplierGroup)).Select(c => c.Name.ToString());
        Assert.That(names, Does.Not.Contain("gone"));
        Assert.That(names, Does.Contain("holder"));
        Assert.That(names, Does.Contain(self));
    }
}
