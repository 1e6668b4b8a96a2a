using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Outbox;

/// <summary>
/// The one case where an operation may still end through the HostMonitor after a Redis outage: its control plane was
/// killed (SIGKILL) while the host call was in flight. Every outcome recorded before the kill is applied as recorded,
/// exactly once, by a replica started while Redis is still away; only the operations whose host call the kill cut
/// short are the HostMonitor's to settle.
/// </summary>
[Category(TestLanes.Processes)]
public sealed class ControlPlaneKilledInRedisOutageTests
{
    private const string Replica = "killed-in-outage";
    private const int Recorded = 10;
    private const int InFlight = 10;

    [Test]
    public async Task Outcomes_recorded_before_the_kill_are_applied_and_only_the_cut_short_operations_are_settled_by_the_hostmonitor()
    {
        await using var servers = await LocalServers.StartAsync();
        var database = await TestDatabase.CreateAsync(servers.Postgres);
        await using var _ = database;
        await using var deployment = await DeploymentBuilder.On(database.ConnectionString, servers.Redis, TestKeyPrefix.New())
            .With("Logging:LogLevel:Default", "Warning")
            .With("Lifecycle:HostMonitor:Interval", "00:00:00.300")
            .With("Lifecycle:HostMonitor:TransientGrace", "00:00:00.500")
            .With("Lifecycle:HostMonitor:RedriveBackoff", "00:00:00.100")
            .With("Lifecycle:Ownership:LeasePeriod", "00:00:02")
            .With("Lifecycle:Operations:Deadline", "00:00:03")
            .Replicas(1, ReplicaKind.Process, _ => Replica)
            .Hosts(1, sim => sim with { LatencyMs = 0, HeartbeatIntervalMs = 200 })
            .StartAsync();
        var host = deployment.Fleet.Hosts[0];
        using var client = Deployment.Client(deployment[Replica], DeploymentBuilder.TeamKey);
        var toPause = await Task.WhenAll(Enumerable.Range(0, Recorded).Select(_ => CreateAsync(client)));
        await Eventually.TrueAsync(async () => (await StatusesAsync(database, toPause)).All(s => s == "running"),
            TimeSpan.FromSeconds(30), "the sandboxes to pause run");

        // Every create settled and its events gone from the outbox before the outage: with a grace of 0.5 s, a loaded
        // machine can see the HostMonitor settle a create whose own outcome is still on its way (one of the two is
        // applied, the other is stale, as invariant 2 allows). What follows is about the outcomes around the kill only.
        await using var conn = database.DataSource.CreateConnection();
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox") == 0,
            TimeSpan.FromSeconds(20), "the creates' events leave the outbox", TimeSpan.FromMilliseconds(50));
        var crashedAt = DateTime.UtcNow;
        await servers.CrashAsync("redis");
        // Answered by the host at once: each outcome is recorded in the outbox and cannot reach the stream.
        foreach (var id in toPause)
        {
            await AcceptedAsync(client.PostAsync($"/v1/sandboxes/{id}/pause", null));
        }
        await Eventually.TrueAsync(async () => await RecordedOutcomesAsync(conn, toPause) == Recorded,
            TimeSpan.FromSeconds(20), "every pause's outcome is recorded", TimeSpan.FromMilliseconds(50));
        // Host calls that never return before the kill: creates whose outcome nobody records.
        var callsBefore = host.CallsReceived;
        host.Freeze();
        var cutShort = await Task.WhenAll(Enumerable.Range(0, InFlight).Select(_ => CreateAsync(client)));
        await Eventually.TrueAsync(() => host.CallsReceived >= callsBefore + InFlight, TimeSpan.FromSeconds(20),
            "the creates' host calls are in flight", TimeSpan.FromMilliseconds(20));
        var recordedBeforeKill = (await conn.QueryAsync<Guid>(
            "SELECT event_id FROM event_outbox WHERE fields->>'type' NOT LIKE '%.requested'")).ToList();
        deployment.Kill(Replica);
        host.Unfreeze();
        Assert.That(recordedBeforeKill, Has.Count.GreaterThanOrEqualTo(Recorded), "the outcomes recorded before the kill");

        // Started again while Redis is still away, on the port the hosts and the client call.
        await deployment.StartReplicaAsync(Replica, ReplicaKind.Process, waitUntilServing: false);
        // Passes keep their interval with Redis away (300 ms over 6 slices: 20 a second). Subscribing to reconcile
        // requests waits out the Redis client's 5 s timeout while Redis is away; done on the pass loop, it let one
        // pass through every 5 s, and the host's slice could come round only after the wait below had given up.
        using var metrics = new HttpClient { BaseAddress = deployment.UrlOf(Replica), Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () => await PassesAsync(metrics) >= 30,
            TimeSpan.FromSeconds(15), "30 HostMonitor passes run with Redis still away", TimeSpan.FromMilliseconds(100));
        await Eventually.TrueAsync(async () => (await StatusesAsync(database, toPause)).All(s => s == "paused"),
            TimeSpan.FromSeconds(30), "the recorded pauses are applied with Redis still away", TimeSpan.FromMilliseconds(50));
        await servers.StartAgainAsync();
        await Eventually.TrueAsync(async () => (await StatusesAsync(database, cutShort)).All(s => s == "running"),
            TimeSpan.FromSeconds(30), "the cut-short creates settle as the host shows", TimeSpan.FromMilliseconds(50));
        await Eventually.TrueAsync(async () => await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox") == 0,
            TimeSpan.FromSeconds(20), "the outbox empties", TimeSpan.FromMilliseconds(50));

        var applied = (await conn.QueryAsync<(Guid EventId, long Times)>(
            "SELECT event_id, count(*) FROM sandbox_transitions WHERE event_id = ANY(@Ids) GROUP BY event_id",
            new { Ids = recordedBeforeKill.ToArray() })).ToList();
        var settledByMonitor = (await conn.QueryAsync<Guid>(
            "SELECT DISTINCT sandbox_id FROM sandbox_transitions WHERE actor = @Monitor AND at >= @CrashedAt",
            new { Monitor = Actors.HostMonitor, CrashedAt = crashedAt })).ToList();
        TestContext.Out.WriteLine($"{recordedBeforeKill.Count} outcomes recorded before the kill, all applied; {settledByMonitor.Count} of {InFlight} cut-short creates settled by the HostMonitor");
        Assert.Multiple(() =>
        {
            Assert.That(applied.Select(a => a.EventId), Is.EquivalentTo(recordedBeforeKill), "no recorded outcome is lost");
            Assert.That(applied.Where(a => a.Times != 1), Is.Empty, "and none is applied twice");
            Assert.That(settledByMonitor, Is.SubsetOf(cutShort.Select(Guid.Parse)),
                "the HostMonitor settled only operations whose host call the kill cut short");
            Assert.That(host.Snapshot().Keys, Is.SupersetOf(cutShort), "the host runs every cut-short create");
        });
    }

    /// <summary>HostMonitor passes the replica has run, as its <c>/metrics</c> counts them; 0 while it cannot answer yet.</summary>
    private static async Task<double> PassesAsync(HttpClient metrics)
    {
        try
        {
            return PrometheusText.Samples(await metrics.GetStringAsync("/metrics"), "lifecycle_reconciler_passes_total").Sum();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return 0;
        }
    }

    private static async Task<string> CreateAsync(HttpClient client)
    {
        using var response = await client.PostAsJsonAsync("/v1/sandboxes", new { template = "base" });
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private static async Task AcceptedAsync(Task<HttpResponseMessage> sending)
    {
        using var response = await sending;
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
    }

    private static Task<long> RecordedOutcomesAsync(System.Data.IDbConnection conn, IEnumerable<string> ids) =>
        conn.ExecuteScalarAsync<long>("SELECT count(*) FROM event_outbox WHERE sandbox_id = ANY(@Ids) AND fields->>'type' = @Type",
            new { Ids = ids.Select(Guid.Parse).ToArray(), Type = EventTypes.PauseSucceeded });

    private static async Task<List<string>> StatusesAsync(TestDatabase database, IEnumerable<string> ids)
    {
        await using var conn = database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<string>("SELECT status FROM sandboxes WHERE id = ANY(@Ids)", new { Ids = ids.Select(Guid.Parse).ToArray() })];
    }
}
