using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Core.Hosts;
using Lifecycle.Core.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.Tests.Integration;

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
        var hosts = new HostStore(database.DataSource);
        var idle = new[]
        {
            (await hosts.RegisterAsync("placement-b", "http://127.0.0.1:2", "token-b", CancellationToken.None))!.Id,
            (await hosts.RegisterAsync("placement-c", "http://127.0.0.1:3", "token-c", CancellationToken.None))!.Id,
        };
        using var placement = new HostPlacement(store, TimeProvider.System, Options.Create(new PlacementOptions { RefreshInterval = TimeSpan.FromHours(1) }));

        var chosen = new List<Guid>();
        for (var i = 0; i < 14; i++)
        {
            chosen.Add((await placement.ChooseAsync(CancellationToken.None))!.Value);
        }

        Assert.That(chosen.Take(8), Is.All.AnyOf(idle[0], idle[1]), "the two idle hosts catch up with the busy one first");
        Assert.That(chosen.GroupBy(h => h).ToDictionary(g => g.Key, g => g.Count()),
            Is.EquivalentTo(new Dictionary<Guid, int> { [busy] = 2, [idle[0]] = 6, [idle[1]] = 6 }), "then all three take turns: 6 each");
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
            // As the HostMonitor's leader would, in another replica: this one's counts do not know.
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
