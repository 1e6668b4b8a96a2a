using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;

namespace Lifecycle.Tests.Hosts;

/// <summary>
/// Host reports (<c>POST /v1/hosts/sandbox-events</c>): applied once, only from the sandbox's own host,
/// never from a decommissioned one. The HostMonitor is off here, so every change seen is the report's.
/// </summary>
public sealed class HostCallbackTests
{
    [Test]
    public async Task An_idle_sandbox_is_paused_by_its_hosts_callback()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var id = await harness.CreateRunningAsync(timeoutSec: 2);

        await harness.WaitForStatusAsync(id, "paused", TimeSpan.FromSeconds(10));

        var last = (await HistoryAsync(harness, id))[^1];
        Assert.That(last, Is.EqualTo(("sandbox.auto_paused", $"host:{harness.Fleet.Hosts[0].HostId}")));
        Assert.That(harness.Fleet.Hosts[0].ReportsAccepted, Is.EqualTo(1), "one report, accepted at once");
    }

    [Test]
    public async Task A_crashed_sandbox_is_stopped_by_its_hosts_callback()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var id = await harness.CreateRunningAsync();

        Assert.That(harness.Fleet.Hosts[0].Exit(id), Is.True);

        await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(10));
        Assert.That((await HistoryAsync(harness, id))[^1].Type, Is.EqualTo("sandbox.exited"));
    }

    [Test]
    public async Task A_decommissioned_hosts_replayed_heartbeat_and_report_are_refused_and_change_nothing()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();
        using var agent = harness.ClientWithKey(host.Token);
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        (await admin.PostAsync($"/v1/hosts/{host.HostId}/decommission", null)).EnsureSuccessStatusCode();
        var streamBefore = await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).Events);

        var heartbeat = await agent.PostAsync($"/v1/hosts/{host.HostId}/heartbeat", null);
        var report = await agent.PostAsJsonAsync("/v1/hosts/sandbox-events", Report(id, "exited", sequence: 1_000));

        Assert.That((heartbeat.StatusCode, report.StatusCode), Is.EqualTo((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized)));
        Assert.That(await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).Events), Is.EqualTo(streamBefore), "nothing published");
        Assert.That(await StatusAsync(harness, id), Is.EqualTo("running"), "nothing changed");
    }

    [Test]
    public async Task A_host_cannot_report_on_another_hosts_sandbox_or_an_unknown_one()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2);
        var ids = new[] { await harness.CreateRunningAsync(), await harness.CreateRunningAsync() };
        var owner = harness.Fleet.Hosts.Single(h => h.TryGet(ids[0], out _));
        var other = harness.Fleet.Hosts.Single(h => h != owner);
        using var intruder = harness.ClientWithKey(other.Token);
        var streamBefore = await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).Events);

        var foreign = await intruder.PostAsJsonAsync("/v1/hosts/sandbox-events", Report(ids[0], "exited", sequence: 1));
        var unknown = await intruder.PostAsJsonAsync("/v1/hosts/sandbox-events", Report(Guid.NewGuid().ToString(), "exited", sequence: 2));

        Assert.That(foreign.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(await harness.Redis.StreamLengthAsync(harness.Keys.Partition(0).Events), Is.EqualTo(streamBefore), "nothing published");
        Assert.That(await StatusAsync(harness, ids[0]), Is.EqualTo("running"));
    }

    [Test]
    public async Task A_repeated_report_writes_one_history_row_and_a_late_one_undoes_nothing()
    {
        await using var harness = await ControlPlaneHarness.StartAsync();
        var id = await harness.CreateRunningAsync();
        using var agent = harness.ClientWithKey(harness.Fleet.Hosts[0].Token);
        var exited = Report(id, "exited", sequence: 100);

        var first = await agent.PostAsJsonAsync("/v1/hosts/sandbox-events", exited);
        await harness.WaitForStatusAsync(id, "stopped");
        var repeat = await agent.PostAsJsonAsync("/v1/hosts/sandbox-events", exited);
        var late = await agent.PostAsJsonAsync("/v1/hosts/sandbox-events", Report(id, "auto_paused", sequence: 99));

        Assert.That((first.StatusCode, repeat.StatusCode), Is.EqualTo((HttpStatusCode.Accepted, HttpStatusCode.Accepted)));
        Assert.That(late.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        await harness.WaitForConsumerIdleAsync();
        var history = await HistoryAsync(harness, id);
        Assert.That(history.Count(h => h.Type == "sandbox.exited"), Is.EqualTo(1));
        Assert.That(await StatusAsync(harness, id), Is.EqualTo("stopped"));
    }

    private static object Report(string sandboxId, string type, long sequence) => new
    {
        event_id = Guid.CreateVersion7(),
        sandbox_id = sandboxId,
        type,
        reason = "test",
        at = DateTimeOffset.UtcNow,
        sequence,
    };

    private static async Task<string> StatusAsync(ControlPlaneHarness harness, string id) =>
        (await harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}")).GetProperty("status").GetString()!;

    private static async Task<(string Type, string Actor)[]> HistoryAsync(ControlPlaneHarness harness, string id)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<(string, string)>(
            "SELECT type, actor FROM sandbox_transitions WHERE sandbox_id = @Id ORDER BY version", new { Id = Guid.Parse(id) })];
    }
}
