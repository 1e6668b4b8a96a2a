using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Consumers;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Lifecycle.Tests.Consumers;

/// <summary>The consumer group against real Redis and Postgres: stale, duplicate and poison entries.</summary>
[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]
public sealed class ConsumerTests(StreamSetup setup)
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await setup.StartHarnessAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    private ApplyCounters Counters => _harness.Services.GetRequiredService<ApplyCounters>();

    [Test]
    public async Task Replayed_and_old_version_events_change_nothing_and_are_counted()
    {
        var id = await CreateRunningSandboxAsync();
        await _harness.WaitForConsumerIdleAsync();
        var partition = _harness.Keys.For(Guid.Parse(id));
        var entries = await _harness.Redis.StreamRangeAsync(partition.Events);
        var succeeded = entries.Single(e => e["sandbox_id"] == id && e["type"] == EventTypes.CreateSucceeded);
        StreamEvents.TryDecode(succeeded.Values, out var original, out _);
        var staleBefore = Counters.Total(ApplyOutcome.Stale);
        var duplicatesBefore = Counters.Total(ApplyOutcome.Duplicate);
        var historyBefore = await HistoryCountAsync(id);

        await _harness.Redis.StreamAddAsync(partition.Events, succeeded.Values);
        var publisher = _harness.Services.GetRequiredService<EventPublisher>();
        await publisher.PublishAsync(original with { EventId = Guid.CreateVersion7(), Type = EventTypes.CreateFailed, To = SandboxStatus.Error, Error = "late" });
        await _harness.WaitForConsumerIdleAsync();

        // The consumer counts a batch's outcomes just after acknowledging it, so the counts may trail the idle group.
        await Eventually.TrueAsync(() => Counters.Total(ApplyOutcome.Stale) > staleBefore && Counters.Total(ApplyOutcome.Duplicate) > duplicatesBefore,
            TimeSpan.FromSeconds(5), "both events are counted");
        Assert.That(Counters.Total(ApplyOutcome.Duplicate), Is.EqualTo(duplicatesBefore + 1));
        Assert.That(Counters.Total(ApplyOutcome.Stale), Is.EqualTo(staleBefore + 1));
        Assert.That(await HistoryCountAsync(id), Is.EqualTo(historyBefore));
        var row = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}");
        Assert.That(row.GetProperty("status").GetString(), Is.EqualTo("running"));
        Assert.That(row.GetProperty("last_error").ValueKind, Is.EqualTo(JsonValueKind.Null));
    }

    [Test]
    public async Task A_poison_entry_is_dead_lettered_with_its_reason_and_does_not_block()
    {
        var poison = await _harness.Redis.StreamAddAsync(_harness.Keys.Partition(0).Events, [new NameValueEntry("type", "garbage")]);
        var id = await CreateRunningSandboxAsync();
        await _harness.WaitForConsumerIdleAsync();

        var dead = await _harness.Redis.StreamRangeAsync(_harness.Keys.Partition(0).DeadLetters);
        var letter = dead.Single(d => d[DeadLetters.SourceIdField] == poison);
        Assert.That(letter[DeadLetters.ReasonField].ToString(), Does.Contain("event_id"));
        Assert.That(letter["type"].ToString(), Is.EqualTo("garbage"));
        Assert.That(id, Is.Not.Empty);
    }

    [Test]
    public async Task Entries_published_before_the_group_existed_are_applied()
    {
        var prefix = TestKeyPrefix.New();
        var redis = await ConnectionMultiplexer.ConnectAsync(await setup.RedisAsync());
        await redis.GetDatabase().StreamAddAsync($"{prefix}lifecycle:{{p0}}:events", [new NameValueEntry("type", "early")]);

        await using var late = await setup.StartHarnessAsync(settings: new Dictionary<string, string?> { ["Lifecycle:Streams:KeyPrefix"] = prefix });
        await late.WaitForConsumerIdleAsync();
        var dead = await late.Redis.StreamRangeAsync(late.Keys.Partition(0).DeadLetters);
        Assert.That(dead.Select(d => d["type"].ToString()), Is.EqualTo(new[] { "early" }));
        await redis.DisposeAsync();
    }

    private async Task<string> CreateRunningSandboxAsync()
    {
        var created = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await _harness.WaitForStatusAsync(id, "running");
        return id;
    }

    private async Task<long> HistoryCountAsync(string sandboxId)
    {
        await using var conn = _harness.Database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions WHERE sandbox_id = @id", new { id = Guid.Parse(sandboxId) });
    }
}
