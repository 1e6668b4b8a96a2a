using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Capacity;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Placement;

/// <summary>Where new sandboxes go: the least-loaded online host, without counting every sandbox on each create.</summary>
public sealed class HostPlacementTests
{
    [Test]
    public async Task A_burst_fills_the_least_loaded_hosts_first_and_then_spreads_evenly()
    {
        await using var database = await TestDatabase.CreateAsync();
        var store = new SandboxStore(database.DataSource);
        var (teamId, busy) = await TestData.TeamAndHostAsync(database, "placement", "placement-key");
        for (var i = 0; i < 4; i++)
        {
            await TestData.CreateStartingAsync(store, teamId);
        }
        await TestData.OnlineHostAsync(database, "placement-b", "http://127.0.0.1:2");
        await TestData.OnlineHostAsync(database, "placement-c", "http://127.0.0.1:3");
        using var placement = NewPlacement(database);

        var chosen = new List<Guid>();
        for (var i = 0; i < 296; i++)
        {
            chosen.Add(await PlaceAsync(placement));
        }

        // The busy host (4) wins a pair only on a tie, at 4 and at 5: at most twice while the idle ones catch up.
        Assert.That(chosen.Take(8).Count(h => h == busy), Is.AtMost(2), "the two idle hosts catch up with the busy one first");
        var counts = chosen.GroupBy(h => h).Select(g => g.Count() + (g.Key == busy ? 4 : 0)).ToList();
        Assert.That(counts.Max() - counts.Min(), Is.AtMost(8), $"then they stay within a few of 100 each: {string.Join(", ", counts)}");
    }

    [Test]
    public async Task Three_replicas_placing_at_once_over_equal_hosts_end_within_a_fifth_of_even()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = await RegisterHostsAsync(database, "equal", 4);
        var replicas = Replicas(database, 3);

        var placed = await PlaceAtOnceAsync(replicas, perReplica: 100);

        var counts = hosts.Select(h => placed.Count(p => p == h)).ToList();
        Assert.That(counts.Max() - counts.Min(), Is.AtMost(0.2 * counts.Average()), string.Join(", ", counts));
    }

    [Test]
    public async Task A_host_that_joins_empty_gets_about_half_of_every_replicas_burst_not_all_of_it()
    {
        await using var database = await TestDatabase.CreateAsync();
        var store = new SandboxStore(database.DataSource);
        var (teamId, _) = await TestData.TeamAndHostAsync(database, "joined", "joined-key");
        await RegisterHostsAsync(database, "joined-old", 2);
        for (var i = 0; i < 300; i++)
        {
            await TestData.CreateStartingAsync(store, teamId); // about 100 on each of the three hosts
        }
        var joined = (await RegisterHostsAsync(database, "joined-new", 1))[0];
        var replicas = Replicas(database, 3);

        var placed = await PlaceAtOnceAsync(replicas, perReplica: 100);

        // Every replica sees the new host far below the others, so it wins every pair it is drawn into:
        // 2 in 4 of each replica's creates, 150 of 300 on average (the old least-loaded rule: all 300).
        Assert.That(placed.Count(p => p == joined), Is.InRange(100, 200));
    }

    private static List<HostPlacement> Replicas(TestDatabase database, int count) => [.. Enumerable.Range(0, count).Select(_ => NewPlacement(database))];

    private static HostPlacement NewPlacement(TestDatabase database) =>
        new(new SandboxStore(database.DataSource), TimeProvider.System, Options.Create(new PlacementOptions { RefreshInterval = TimeSpan.FromHours(1) }),
            Options.Create(new CapacityOptions()));

    private static readonly Resources Size = new(1, 512);

    /// <summary>Chooses a host for a sandbox of <see cref="Size"/> and counts it there, as a create that commits does.</summary>
    private static async Task<Guid> PlaceAsync(HostPlacement placement)
    {
        var host = await placement.ChooseAsync(Size, [], CancellationToken.None) is PlacementChoice.OnHost on ? on.HostId : throw new AssertionException("no host chosen");
        placement.Placed(host, Size);
        return host;
    }

    private static async Task<List<Guid>> RegisterHostsAsync(TestDatabase database, string name, int count)
    {
        var ids = new List<Guid>();
        for (var i = 0; i < count; i++)
        {
            ids.Add(await TestData.OnlineHostAsync(database, $"{name}-{i}", $"http://127.0.0.1:{10 + i}"));
        }
        return ids;
    }

    /// <summary>Every replica places <paramref name="perReplica"/> sandboxes, all at once, as replicas behind a load balancer would.</summary>
    private static async Task<Guid[]> PlaceAtOnceAsync(List<HostPlacement> replicas, int perReplica)
    {
        try
        {
            return await Task.WhenAll(replicas.SelectMany(replica => Enumerable.Range(0, perReplica)
                .Select(_ => Task.Run(() => PlaceAsync(replica)))));
        }
        finally
        {
            replicas.ForEach(replica => replica.Dispose());
        }
    }

    [Test]
    public async Task A_host_gone_from_service_since_the_counts_were_read_gets_no_sandbox_and_the_create_still_succeeds()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2, settings: new Dictionary<string, string?>
        {
            ["Lifecycle:Placement:RefreshInterval"] = "01:00:00",
        });
        await CreateAsync(harness); // reads the counts: both hosts online
        var gone = harness.Fleet.Hosts[0].HostId!.Value;
        await using (var conn = harness.Database.DataSource.CreateConnection())
        {
            // As the host's owner would, in another replica: this one's counts do not know.
            await conn.ExecuteAsync("UPDATE hosts SET status = 'unreachable' WHERE id = @Id", new { Id = gone });
        }

        var placed = new List<Guid>();
        for (var i = 0; i < 4; i++)
        {
            placed.Add(await CreateAsync(harness));
        }

        Assert.That(placed, Is.All.EqualTo(harness.Fleet.Hosts[1].HostId!.Value));
    }

    private static async Task<Guid> CreateAsync(ControlPlaneHarness harness)
    {
        var response = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That((int)response.StatusCode, Is.EqualTo(202));
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("host_id").GetGuid();
    }
}
