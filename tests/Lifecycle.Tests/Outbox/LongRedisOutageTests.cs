using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Outbox;

/// <summary>
/// Redis away for longer than anything waits for it: a replica started meanwhile serves within 30 s, and a sandbox
/// whose host answered while the stream was away is settled by its recorded outcome (the HostMonitor applies it from
/// the outbox), never re-driven or timed out.
/// </summary>
[Category(TestLanes.Processes)]
public sealed class LongRedisOutageTests
{
    [Test]
    public async Task A_replica_started_while_redis_is_away_accepts_requests_within_30_seconds()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres), redis: servers.Redis);
        await servers.StopAsync("redis");

        var clock = Stopwatch.StartNew();
        await harness.StartProcessReplicaAsync("started-in-outage");
        using var client = new HttpClient { BaseAddress = harness.UrlOf("started-in-outage"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ControlPlaneHarness.ApiKey);
        string? created = null;
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                using var response = await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
                Assert.That((int)response.StatusCode, Is.Not.EqualTo(500), "never a 500");
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    created = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
                }
                return created is not null;
            }
            catch (HttpRequestException)
            {
                return false; // not listening yet
            }
        }, TimeSpan.FromSeconds(30), "the new replica accepts a create", TimeSpan.FromMilliseconds(100));
        TestContext.Out.WriteLine($"accepted {clock.Elapsed.TotalSeconds:F1} s after the replica was started, Redis away");

        await servers.StartAgainAsync();
        await harness.WaitForStatusAsync(created!, "running", TimeSpan.FromSeconds(15));
    }

    [Test]
    public async Task An_outcome_recorded_while_redis_stays_away_is_applied_by_the_hostmonitor_not_redriven()
    {
        await using var servers = await LocalServers.StartAsync();
        await using var harness = await ControlPlaneHarness.StartAsync(database: await TestDatabase.CreateAsync(servers.Postgres), redis: servers.Redis,
            settings: new Dictionary<string, string?>
            {
                ["Lifecycle:HostMonitor:Enabled"] = "true",
                ["Lifecycle:HostMonitor:Interval"] = "00:00:01",
                ["Lifecycle:HostMonitor:Slices"] = "1",
                ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:02",
                // Past the deadline long before Redis returns: without the outbox the HostMonitor would re-drive.
                ["Lifecycle:Operations:Deadline"] = "00:00:03",
            });
        var paused = await harness.CreateRunningAsync();
        await harness.WaitForConsumerIdleAsync();
        var outageBegan = DateTime.UtcNow;
        await servers.StopAsync("redis");

        using var create = await harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That(create.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var created = (await create.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        using var pause = await harness.Client.PostAsync($"/v1/sandboxes/{paused}/pause", null);
        Assert.That(pause.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));

        await harness.WaitForStatusAsync(created, "running", TimeSpan.FromSeconds(20));
        await harness.WaitForStatusAsync(paused, "paused", TimeSpan.FromSeconds(20));
        await using var conn = harness.Database.DataSource.CreateConnection();
        var settledBy = (await conn.QueryAsync<(string Type, string Actor)>(
            "SELECT type, actor FROM sandbox_transitions WHERE sandbox_id = ANY(@Ids) AND at >= @Since ORDER BY at",
            new { Ids = new[] { Guid.Parse(created), Guid.Parse(paused) }, Since = outageBegan }))
            .Where(t => t.Type is not (EventTypes.CreateRequested or EventTypes.PauseRequested)).ToList();
        Assert.That(settledBy.Where(t => t.Actor == Actors.HostMonitor), Is.Empty,
            $"the recorded outcomes were applied as they were, with Redis still away: {string.Join(", ", settledBy)}");
        Assert.That(settledBy.Select(t => t.Type), Is.SupersetOf(new[] { EventTypes.CreateSucceeded, EventTypes.PauseSucceeded }));

        await servers.StartAgainAsync();
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox") == 0,
            TimeSpan.FromSeconds(20), "once Redis is back the events reach the stream, the appliers find them applied, and the outbox empties",
            TimeSpan.FromMilliseconds(50));
        Assert.That(PrometheusText.Samples(await harness.Client.GetStringAsync("/metrics"), "lifecycle_sandboxes_stopped_total").Sum(), Is.EqualTo(1),
            "the pause counted once: by the HostMonitor that applied it, not by the appliers that found it applied");
    }
}
