using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Contract.Events;

namespace Lifecycle.Tests.Timeouts;

/// <summary>
/// A sandbox's time to live against a real control plane and simulated hosts: it ends as <c>on_timeout</c> says with
/// the stop reason <c>timeout</c>, an extension or a connect keeps it alive, and a host that enforces nothing (its own
/// timer off, or frozen) still sees its sandboxes ended by the control plane's evictor.
/// </summary>
public sealed class TimeToLiveTests
{
    private static Dictionary<string, string?> Fast() => new()
    {
        ["Lifecycle:HostMonitor:Enabled"] = "true",
        ["Lifecycle:HostMonitor:Interval"] = "00:00:00.300",
        ["Lifecycle:HostMonitor:HeartbeatTimeout"] = "00:01:00",
        ["Lifecycle:HostMonitor:HostDeadline"] = "00:00:01",
        ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:00.500",
        ["Lifecycle:HostMonitor:RedriveBackoff"] = "00:00:00.100",
        ["Lifecycle:Ownership:LeasePeriod"] = "00:00:01",
        ["Lifecycle:Operations:RpcTimeout"] = "00:00:01",
        ["Lifecycle:Operations:Deadline"] = "00:00:02",
        ["Lifecycle:Timeouts:EvictorInterval"] = "00:00:00.200",
        ["Lifecycle:Timeouts:HostGrace"] = "00:00:00.500",
    };

    [TestCase("destroy", "stopped")]
    [TestCase("pause", "paused")]
    public async Task A_sandbox_ends_as_its_policy_says_when_its_time_to_live_runs_out(string policy, string ends)
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var id = await CreateAsync(harness, new { timeout_sec = 2, on_timeout = policy });
        await harness.WaitForStatusAsync(id, "running");

        var sandbox = await harness.WaitForStatusAsync(id, ends, TimeSpan.FromSeconds(10));

        Assert.That(sandbox.GetProperty("stop_reason").GetString(), Is.EqualTo("timeout"));
        Assert.That((await HistoryAsync(harness, id))[^1].StopReason, Is.EqualTo("timeout"));
        // Counted just after the applying transaction commits, so a read of the row can come first.
        var counted = await Eventually.ValueAsync(
            async () => PrometheusText.Samples(await harness.Client.GetStringAsync("/metrics"), "lifecycle_sandboxes_stopped_total", ("reason", "timeout")),
            samples => samples.Count > 0, TimeSpan.FromSeconds(5), "the stop counted by its reason");
        Assert.That(counted, Is.EqualTo(new[] { 1.0 }), "counted once, by its stop reason");
    }

    [Test]
    public async Task A_timeout_extended_before_it_runs_out_keeps_the_sandbox_running_past_it()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var id = await CreateAsync(harness, new { timeout_sec = 2, on_timeout = "destroy" });
        var running = await harness.WaitForStatusAsync(id, "running");
        var firstExpiry = running.GetProperty("expires_at").GetDateTime();

        var extended = await harness.Client.PostAsJsonAsync($"/v1/sandboxes/{id}/timeout", new { timeout_sec = 30 });
        var body = await extended.Content.ReadFromJsonAsync<JsonElement>();

        Assert.That(extended.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That(DateTime.UtcNow, Is.LessThan(firstExpiry), "the extension landed before the first expiry");
        Assert.That(body.GetProperty("expires_at").GetDateTime(), Is.GreaterThan(DateTime.UtcNow.AddSeconds(25)));
        // The property is that nothing happens: wait past the first expiry, the evictor's interval and the host's sweep.
        await Task.Delay(firstExpiry - DateTime.UtcNow + TimeSpan.FromSeconds(1.5));
        await harness.WaitForConsumerIdleAsync();
        var now = await harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}");
        Assert.That(now.GetProperty("status").GetString(), Is.EqualTo("running"));
        Assert.That(now.GetProperty("stop_reason").ValueKind, Is.EqualTo(JsonValueKind.Null));
        Assert.That(harness.Fleet.Hosts[0].TryGet(id, out var vm) && vm.ExpiresAt > DateTimeOffset.UtcNow.AddSeconds(20), "the host learned the new deadline");
    }

    [Test]
    public async Task Connect_extends_a_running_sandbox_never_shortens_it_and_resumes_a_paused_one()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var id = await CreateAsync(harness, new { timeout_sec = 600 });
        var expiry = (await harness.WaitForStatusAsync(id, "running")).GetProperty("expires_at").GetDateTime();

        var shorter = await harness.Client.PostAsJsonAsync($"/v1/sandboxes/{id}/connect", new { timeout_sec = 30 });
        Assert.That(shorter.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await shorter.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expires_at").GetDateTime(), Is.EqualTo(expiry));
        var longer = await harness.Client.PostAsJsonAsync($"/v1/sandboxes/{id}/connect", new { timeout_sec = 3600 });
        Assert.That((await longer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("expires_at").GetDateTime(), Is.GreaterThan(expiry));

        Assert.That((await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await harness.WaitForStatusAsync(id, "paused");
        var connect = await harness.Client.PostAsync($"/v1/sandboxes/{id}/connect", null);
        Assert.That(connect.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        Assert.That((await connect.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString(), Is.EqualTo("resuming"));
        var resumed = await harness.WaitForStatusAsync(id, "running");
        Assert.That(resumed.GetProperty("expires_at").GetDateTime(), Is.GreaterThan(DateTime.UtcNow.AddSeconds(500)), "a resume restarts the timer");

        await harness.Client.DeleteAsync($"/v1/sandboxes/{id}");
        await harness.WaitForStatusAsync(id, "stopped");
        var refused = await harness.Client.PostAsync($"/v1/sandboxes/{id}/connect", null);
        Assert.That(refused.StatusCode, Is.EqualTo(HttpStatusCode.Conflict));
        Assert.That((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("current_status").GetString(), Is.EqualTo("stopped"));
    }

    [Test]
    public async Task A_host_that_enforces_no_deadline_still_sees_its_sandbox_paused_by_the_evictor()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200, simulator: sim => sim with { ExpirySweepMs = 3_600_000 });
        var id = await CreateAsync(harness, new { timeout_sec = 1 });
        await harness.WaitForStatusAsync(id, "running");

        var paused = await harness.WaitForStatusAsync(id, "paused", TimeSpan.FromSeconds(10));

        Assert.That(paused.GetProperty("stop_reason").GetString(), Is.EqualTo("timeout"));
        var history = await HistoryAsync(harness, id);
        Assert.That(history.Any(h => h.Type == "sandbox.pause.requested" && h.Actor == Actors.Evictor && h.Reason == Reasons.Timeout));
        Assert.That(harness.Fleet.Hosts[0].TryGet(id, out var vm) && vm.State == Lifecycle.HostAgentSim.Fleet.SimulatedSandboxState.Paused);
    }

    [Test]
    public async Task A_host_frozen_while_a_lifetime_ends_sees_its_sandbox_ended_by_the_control_plane_and_holds_no_vm_once_thawed()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var id = await CreateAsync(harness, new { timeout_sec = 600, max_lifetime_sec = 2 });
        await harness.WaitForStatusAsync(id, "running");

        host.Freeze();
        var ended = await harness.WaitForStatusAsync(id, "stopping", TimeSpan.FromSeconds(10));
        Assert.That(host.TryGet(id, out _), "the frozen host still holds the VM");
        var requested = (await HistoryAsync(harness, id))[^1];
        Assert.That((requested.Type, requested.Actor, requested.Reason), Is.EqualTo(("sandbox.destroy.requested", Actors.Evictor, Reasons.MaxLifetime)));
        host.Unfreeze();

        var stopped = await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(15));
        Assert.That(stopped.GetProperty("stop_reason").GetString(), Is.EqualTo("max_lifetime"));
        Assert.That(host.TryGet(id, out _), Is.False, "the VM is gone");
        Assert.That(ended.GetProperty("max_lifetime_sec").GetInt32(), Is.EqualTo(2));
    }

    [Test]
    public async Task A_paused_sandbox_is_destroyed_at_the_end_of_its_lifetime_and_cannot_be_resumed_past_it()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var id = await CreateAsync(harness, new { timeout_sec = 1, max_lifetime_sec = 3 });
        var paused = await harness.WaitForStatusAsync(id, "paused", TimeSpan.FromSeconds(10));
        Assert.That(paused.GetProperty("stop_reason").GetString(), Is.EqualTo("timeout"));
        Assert.That(paused.GetProperty("expires_at").GetDateTime(), Is.EqualTo(paused.GetProperty("created_at").GetDateTime().AddSeconds(3)).Within(TimeSpan.FromSeconds(1)),
            "a paused sandbox's timer does not run: it expires at its lifetime's end");

        var stopped = await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(10));

        Assert.That(stopped.GetProperty("stop_reason").GetString(), Is.EqualTo("max_lifetime"));
    }

    private static async Task<string> CreateAsync(ControlPlaneHarness harness, object body)
    {
        var response = await harness.Client.PostAsJsonAsync("/v1/sandboxes", body);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted), await response.Content.ReadAsStringAsync());
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(created.GetProperty("expires_at").GetDateTime(), Is.GreaterThan(DateTime.UtcNow));
        return created.GetProperty("id").GetString()!;
    }

    private static async Task<List<(string Type, string To, string Actor, string? Reason, string? StopReason)>> HistoryAsync(ControlPlaneHarness harness, string id)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<(string, string, string, string?, string?)>(
            "SELECT type, to_status, actor, reason, stop_reason FROM sandbox_transitions WHERE sandbox_id = @Id ORDER BY version", new { Id = Guid.Parse(id) })];
    }
}
