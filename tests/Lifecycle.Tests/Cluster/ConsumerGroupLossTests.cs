using Dapper;
using Lifecycle.Consumers;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Cluster;

/// <summary>
/// What a promoted replica may hold of a consumer group: none at all (it was created after the last
/// sync: NOGROUP), or one whose last-delivered-id went back. Either way the consumer goes on, and the
/// entries it is handed again change nothing: duplicates, never dead letters.
/// </summary>
[Category("Cluster")]
public sealed class ConsumerGroupLossTests
{
    [Test]
    public async Task A_lost_or_rolled_back_group_is_read_again_from_the_start_and_old_entries_change_nothing()
    {
        await using var harness = await StreamSetup.Cluster.StartHarnessAsync();
        var ids = new List<Guid>();
        while (ids.Select(id => harness.Keys.For(id)).Distinct().Count() < 2)
        {
            ids.Add(Guid.Parse(await harness.CreateRunningAsync()));
        }
        foreach (var id in ids.Take(2))
        {
            (await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).EnsureSuccessStatusCode();
            await harness.WaitForStatusAsync(id.ToString(), "paused");
        }
        await harness.WaitForConsumerIdleAsync();
        var statuses = await RowsAsync(harness);
        var history = await HistoryCountAsync(harness);
        var lost = harness.Keys.For(ids[0]);
        var rolledBack = ids.Select(id => harness.Keys.For(id)).First(p => p != lost);
        var counters = harness.Services.GetRequiredService<ApplyCounters>();
        var seenBefore = SeenAgain(counters);
        var deadBefore = counters.Total(ApplyOutcome.DeadLettered);
        var handedAgain = await harness.Redis.StreamLengthAsync(lost.Events) + await harness.Redis.StreamLengthAsync(rolledBack.Events);

        await harness.Redis.ExecuteAsync("XGROUP", "DESTROY", lost.Events, StreamKeys.ApplierGroup);
        await harness.Redis.ExecuteAsync("XGROUP", "SETID", rolledBack.Events, StreamKeys.ApplierGroup, "0");

        await Eventually.TrueAsync(() => SeenAgain(counters) - seenBefore >= handedAgain,
            TimeSpan.FromSeconds(30), $"the {handedAgain} entries handed out again are seen as already applied");
        Assert.That(counters.Total(ApplyOutcome.DeadLettered), Is.EqualTo(deadBefore), "none went to the dead letters");
        await ClusterInvariants.NothingPendingAnywhereAsync(harness, TimeSpan.FromSeconds(30));
        Assert.That(await RowsAsync(harness), Is.EqualTo(statuses), "no sandbox changed");
        Assert.That(await HistoryCountAsync(harness), Is.EqualTo(history), "no transition was recorded again");
        await ClusterInvariants.HistoriesAreContiguousAsync(harness);
    }

    /// <summary>Entries that changed nothing because they were applied before: redeliveries, stale outcomes, requests the API applied.</summary>
    private static long SeenAgain(ApplyCounters counters) =>
        counters.Total(ApplyOutcome.Duplicate) + counters.Total(ApplyOutcome.Stale) + counters.Total(ApplyOutcome.AppliedByApi);

    private static async Task<Dictionary<Guid, (string, long)>> RowsAsync(ControlPlaneHarness harness)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return (await conn.QueryAsync<(Guid Id, string Status, long Version)>("SELECT id, status, version FROM sandboxes"))
            .ToDictionary(r => r.Id, r => (r.Status, r.Version));
    }

    private static async Task<long> HistoryCountAsync(ControlPlaneHarness harness)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions");
    }
}
