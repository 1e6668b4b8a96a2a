using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Lifecycle.Tests.Consumers;

/// <summary>
/// Entries left pending by a consumer that died, poison of every kind, and replay. The dead
/// consumer ("ghost") is made with plain XREADGROUP, so its pending entries are exactly what a
/// killed process leaves behind.
/// </summary>
[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]
public sealed class ConsumerRecoveryTests(StreamSetup setup)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(10);

    private const string Ghost = "ghost-consumer";

    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await setup.StartHarnessAsync(settings: new Dictionary<string, string?>
    {
        ["Lifecycle:Consumer:ClaimMinIdle"] = "00:00:00.300",
        ["Lifecycle:Consumer:MaintenanceInterval"] = "00:00:00.100",
    });

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task Entries_pending_on_a_dead_consumer_are_claimed_and_applied()
    {
        var sandbox = await RunningSandboxAsync();
        var autoPaused = AutoPaused(sandbox, "idle");
        var entryId = await PublishAsGhostAsync(sandbox.Id, StreamEvents.Encode(autoPaused));

        await Eventually.TrueAsync(async () => (await GetAsync(sandbox.Id)).Status == SandboxStatus.Paused, Within, "the sandbox is paused");
        await _harness.WaitForConsumerIdleAsync();
        var history = await _harness.Services.GetRequiredService<TransitionHistoryStore>().ForSandboxAsync(sandbox.Id, CancellationToken.None);
        Assert.That(history.Count(h => h.EventId == autoPaused.EventId), Is.EqualTo(1));
        var consumers = await _harness.Redis.StreamConsumerInfoAsync(_harness.Keys.For(sandbox.Id).Events, StreamKeys.ApplierGroup);
        Assert.That(consumers.Single(c => c.Name == Ghost).PendingMessageCount, Is.Zero, $"entry {entryId} was claimed from the ghost");
    }

    [Test]
    public async Task Poison_entries_of_every_kind_are_dead_lettered_with_their_reason_while_later_entries_apply()
    {
        var sandbox = await RunningSandboxAsync();
        var good = AutoPaused(sandbox, "idle");
        var rejectedByPostgres = AutoPaused(sandbox, "nul\0byte");
        var illegal = AutoPaused(sandbox, null) with { Type = EventTypes.PauseSucceeded };
        var poison = new Dictionary<string, NameValueEntry[]>
        {
            ["event_id is not a uuid"] = [new("type", EventTypes.AutoPaused)],
            ["unknown event type"] = [.. StreamEvents.Encode(good with { EventId = Guid.NewGuid() }).Select(f => f.Name == "type" ? new NameValueEntry("type", "sandbox.exploded") : f)],
            ["does not move running to paused"] = StreamEvents.Encode(illegal),
            ["rejected by Postgres"] = StreamEvents.Encode(rejectedByPostgres),
        };
        var ids = new Dictionary<string, string>();
        foreach (var (reason, fields) in poison)
        {
            ids[reason] = (await _harness.Redis.StreamAddAsync(_harness.Keys.For(sandbox.Id).Events, fields)).ToString();
        }
        await _harness.Services.GetRequiredService<EventPublisher>().PublishAsync(good);

        await Eventually.TrueAsync(async () => (await GetAsync(sandbox.Id)).Status == SandboxStatus.Paused, Within, "the sandbox is paused");
        await _harness.WaitForConsumerIdleAsync();
        var letters = await _harness.Redis.StreamRangeAsync(_harness.Keys.For(sandbox.Id).DeadLetters);
        foreach (var (reason, id) in ids)
        {
            var letter = letters.SingleOrDefault(l => l[DeadLetters.SourceIdField] == id);
            Assert.That(letter.Values, Is.Not.Null.And.Not.Empty, $"no dead letter for '{reason}'");
            Assert.That(letter[DeadLetters.ReasonField].ToString(), Does.Contain(reason));
        }
        var history = await _harness.Services.GetRequiredService<TransitionHistoryStore>().ForSandboxAsync(sandbox.Id, CancellationToken.None);
        Assert.That(history.Select(h => h.EventId), Does.Contain(good.EventId));
    }

    [Test]
    public async Task An_entry_delivered_too_often_is_dead_lettered_and_can_be_replayed()
    {
        var sandbox = await RunningSandboxAsync();
        var autoPaused = AutoPaused(sandbox, "idle");
        var partition = _harness.Keys.For(sandbox.Id);
        var entryId = await PublishAsGhostAsync(sandbox.Id, StreamEvents.Encode(autoPaused));
        var ghost = _harness.Redis;
        for (var i = 0; i < 5; i++)
        {
            // Each read of its own history counts as another delivery, as a crash-looping consumer's would.
            await ghost.StreamReadGroupAsync(partition.Events, StreamKeys.ApplierGroup, Ghost, "0", 10);
        }

        var letter = await WaitForLetterAsync(partition, entryId);
        Assert.That(letter[DeadLetters.ReasonField].ToString(), Does.StartWith("delivered"));
        Assert.That((await GetAsync(sandbox.Id)).Status, Is.EqualTo(SandboxStatus.Running), "a dead-lettered event changes nothing");

        var deadLetters = _harness.Services.GetRequiredService<DeadLetters>();
        Assert.That((await deadLetters.ReplayAsync(partition, letter.Id.ToString())).Outcome, Is.EqualTo(DeadLetters.ReplayOutcome.Replayed));
        await Eventually.TrueAsync(async () => (await GetAsync(sandbox.Id)).Status == SandboxStatus.Paused, Within, "the sandbox is paused");
        var remaining = await _harness.Redis.StreamRangeAsync(partition.DeadLetters);
        Assert.That(remaining.Select(l => l.Id.ToString()), Does.Not.Contain(letter.Id.ToString()));
    }

    [Test]
    public async Task An_entry_trimmed_while_pending_is_dead_lettered_by_id()
    {
        var sandbox = await RunningSandboxAsync();
        var partition = _harness.Keys.For(sandbox.Id);
        var entryId = await PublishAsGhostAsync(sandbox.Id, StreamEvents.Encode(AutoPaused(sandbox, "idle")));
        await _harness.Redis.StreamDeleteAsync(partition.Events, [entryId]);

        var letter = await WaitForLetterAsync(partition, entryId);
        Assert.That(letter[DeadLetters.ReasonField].ToString(), Is.EqualTo("trimmed while pending"));
        await _harness.WaitForConsumerIdleAsync();
    }

    /// <summary>Adds the entry and hands it to the ghost in one MULTI, so the live consumer cannot read it first.</summary>
    private async Task<string> PublishAsGhostAsync(Guid sandboxId, NameValueEntry[] fields)
    {
        await _harness.WaitForConsumerIdleAsync();
        var transaction = _harness.Redis.CreateTransaction();
        var events = _harness.Keys.For(sandboxId).Events;
        var added = transaction.StreamAddAsync(events, fields);
        var read = transaction.StreamReadGroupAsync(events, StreamKeys.ApplierGroup, Ghost, ">", 10);
        Assert.That(await transaction.ExecuteAsync(), Is.True);
        Assert.That((await read).Select(e => e.Id), Is.EqualTo(new[] { await added }));
        return (await added).ToString();
    }

    private async Task<StreamEntry> WaitForLetterAsync(PartitionKeys partition, string sourceId)
    {
        StreamEntry letter = default;
        await Eventually.TrueAsync(async () =>
        {
            letter = (await _harness.Redis.StreamRangeAsync(partition.DeadLetters)).FirstOrDefault(l => l[DeadLetters.SourceIdField] == sourceId);
            return letter.Values is { Length: > 0 };
        }, Within, $"entry {sourceId} is dead-lettered");
        return letter;
    }

    private async Task<SandboxRow> RunningSandboxAsync()
    {
        var created = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { });
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await _harness.WaitForStatusAsync(id, "running");
        return await GetAsync(Guid.Parse(id));
    }

    private async Task<SandboxRow> GetAsync(Guid id)
    {
        var store = _harness.Services.GetRequiredService<SandboxStore>();
        var teamId = (await _harness.Services.GetRequiredService<TeamStore>().FindTeamByKeyAsync(ControlPlaneHarness.ApiKey, CancellationToken.None))!.Value;
        return (await store.GetAsync(teamId, id, CancellationToken.None))!;
    }

    private static StateEvent AutoPaused(SandboxRow sandbox, string? reason) =>
        new(Guid.CreateVersion7(), EventTypes.AutoPaused, sandbox.Id, sandbox.TeamId, sandbox.HostId,
            SandboxStatus.Running, SandboxStatus.Paused, sandbox.Version, Actors.Host(sandbox.HostId!.Value), reason, null, DateTimeOffset.UtcNow);
}
