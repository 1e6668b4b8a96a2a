using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Consumers;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Lifecycle.Tests.Consumers;

/// <summary>Trimming by age never removes an entry that is pending or not yet delivered.</summary>
[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]
public sealed class StreamTrimmingTests(StreamSetup setup)
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await setup.StartHarnessAsync(settings: new Dictionary<string, string?>
    {
        // Everything is old enough to go; only delivery state can keep an entry.
        ["Lifecycle:Consumer:Retention"] = "00:00:00",
        ["Lifecycle:Consumer:MaintenanceInterval"] = "01:00:00",
        ["Lifecycle:Consumer:ClaimMinIdle"] = "01:00:00",
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Trimming_stops_at_the_oldest_pending_entry()
    {
        // The partition of the first sandbox: it holds that sandbox's applied, old-enough events.
        var partition = _harness.Keys.For(await CreateRunningAsync());
        await _harness.WaitForConsumerIdleAsync();
        var transaction = _harness.Redis.CreateTransaction();
        var pending = transaction.StreamAddAsync(partition.Events, [new NameValueEntry("type", "held-by-a-dead-consumer")]);
        _ = transaction.StreamReadGroupAsync(partition.Events, StreamKeys.ApplierGroup, "dead-consumer", ">", 10);
        await transaction.ExecuteAsync();
        await CreateRunningAsync();
        await _harness.WaitForConsumerIdleAsync(pendingAllowed: 1);
        var newer = (await _harness.Redis.StreamRangeAsync(partition.Events, minId: await pending)).Length;

        var trimmed = await _harness.Services.GetRequiredService<StreamMaintenance>().TrimAsync(partition);

        var left = await _harness.Redis.StreamRangeAsync(partition.Events);
        Assert.That(trimmed, Is.GreaterThan(0));
        Assert.That(left[0].Id, Is.EqualTo(await pending));
        Assert.That(left, Has.Length.EqualTo(newer));
    }

    private async Task<Guid> CreateRunningAsync()
    {
        var created = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await _harness.WaitForStatusAsync(id, "running");
        return Guid.Parse(id);
    }
}
