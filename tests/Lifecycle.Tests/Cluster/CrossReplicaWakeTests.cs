using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Tests.Cluster;

/// <summary>
/// Pub/sub on a cluster: a consumer is woken by a publish on whichever node, and a long poll in one
/// replica wakes when a consumer in the other replica applies the change. Consumers poll only every
/// two seconds here, so only the wake-ups can make either fast.
/// </summary>
[Category("Cluster")]
public sealed class CrossReplicaWakeTests
{
    private static readonly TimeSpan ConsumerPoll = TimeSpan.FromSeconds(2);

    [Test]
    public async Task A_wait_on_one_replica_ends_promptly_when_a_consumer_of_the_other_replica_applies_the_change()
    {
        await using var first = await StreamSetup.Cluster.StartHarnessAsync(latencyMs: 300, settings: new Dictionary<string, string?>
        {
            ["Lifecycle:Consumer:PollInterval"] = ConsumerPoll.ToString(),
        });
        await using var second = await first.StartReplicaAsync();
        var secondsPartitions = await PartitionsOfAsync(first, second);

        var waits = new List<(Guid Id, Task<DateTime> Returned)>();
        while (waits.Count(w => secondsPartitions.Contains(first.Keys.For(w.Id).Index)) < 4 && waits.Count < 40)
        {
            var response = await first.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            var id = Guid.Parse((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
            waits.Add((id, WaitAsync(first.Client, id)));
        }
        await Task.WhenAll(waits.Select(w => w.Returned));

        await using var conn = first.Database.DataSource.CreateConnection();
        var applied = (await conn.QueryAsync<(Guid Id, DateTime At, DateTime AppliedAt)>(
            "SELECT sandbox_id, at, applied_at FROM sandbox_transitions WHERE type = @Type AND sandbox_id = ANY(@Ids)",
            new { Type = EventTypes.CreateSucceeded, Ids = waits.Select(w => w.Id).ToArray() })).ToDictionary(a => a.Id);
        Assert.That(applied.Keys, Is.EquivalentTo(waits.Select(w => w.Id)), "every create succeeded and was applied");
        var byOther = waits.Where(w => secondsPartitions.Contains(first.Keys.For(w.Id).Index)).ToList();
        var waitLatencies = byOther.Select(w => (w.Returned.Result - applied[w.Id].AppliedAt.ToUniversalTime()).TotalMilliseconds).ToList();
        var consumerLatencies = applied.Values.Select(a => (a.AppliedAt - a.At).TotalMilliseconds).ToList();
        TestContext.Out.WriteLine($"wait after apply (ms): {string.Join(", ", waitLatencies.Select(l => l.ToString("0")))}");
        TestContext.Out.WriteLine($"apply after publish (ms): {string.Join(", ", consumerLatencies.Select(l => l.ToString("0")))}");
        // Without the change message a wait re-reads every second; without the wake-up a consumer reads every two.
        // Averages well below half of those (what polling alone would give) show the messages crossing the
        // cluster; the consumer's bound leaves room for a loaded machine.
        Assert.That(waitLatencies.Average(), Is.LessThan(400), "waits in one replica hear the other's changes");
        Assert.That(consumerLatencies.Average(), Is.LessThan(600), "consumers are woken by the publish");
    }

    private static async Task<DateTime> WaitAsync(HttpClient client, Guid id)
    {
        var response = await client.GetAsync($"/v1/sandboxes/{id}/wait?status=running&timeout=30s");
        var returned = DateTime.UtcNow;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK), await response.Content.ReadAsStringAsync());
        return returned;
    }

    /// <summary>Waits until the replicas split the sixteen partitions; returns the second one's.</summary>
    private static async Task<HashSet<int>> PartitionsOfAsync(ControlPlaneHarness first, ControlPlaneHarness second)
    {
        var coordinators = new[] { first, second }.Select(h => h.Services.GetService(typeof(OwnershipCoordinator)) as OwnershipCoordinator).ToList();
        await Eventually.TrueAsync(() => coordinators.All(c => c!.Owned(LeaseKind.EventPartitions).Count == 8), TimeSpan.FromSeconds(60),
            "each replica owns eight partitions");
        return [.. coordinators[1]!.Owned(LeaseKind.EventPartitions)];
    }
}
