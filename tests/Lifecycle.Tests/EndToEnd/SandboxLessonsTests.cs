using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.Tests.EndToEnd;

/// <summary>Failures other sandbox platforms' users reported in their issue trackers, which ours must not have.</summary>
public sealed class SandboxLessonsTests
{
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync(hosts: 1, latencyMs: 2);

    // These lessons are about a host that refuses (a definitive answer). A dropped call, which says
    // nothing of what the host did, is left to the HostMonitor instead (AcceptedRequestTests).
    [SetUp]
    public void HostRefusesWhenItFails() => _harness.Fleet.Hosts[0].FailureStatus = StatusCode.FailedPrecondition;

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [TearDown]
    public void RestoreHost()
    {
        _harness.Fleet.Hosts[0].FailureRate = 0;
        _harness.Fleet.Hosts[0].Unfreeze();
    }

    [Test]
    public async Task Pause_and_resume_cycle_many_times_on_one_sandbox()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");
        for (var cycle = 0; cycle < 25; cycle++)
        {
            await ExpectAsync(_harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null), HttpStatusCode.Accepted);
            await _harness.WaitForStatusAsync(id, "paused");
            await ExpectAsync(_harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null), HttpStatusCode.Accepted);
            await _harness.WaitForStatusAsync(id, "running");
        }
        var row = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}");
        Assert.That(row.GetProperty("version").GetInt64(), Is.EqualTo(2 + 25 * 4));
        Assert.That(_harness.Fleet.Hosts[0].TryGet(id, out var onHost) && onHost.State == SimulatedSandboxState.Running, Is.True);
    }

    [Test]
    public async Task A_sandbox_stuck_starting_can_be_destroyed()
    {
        _harness.Fleet.Hosts[0].Freeze();
        var id = await CreateAsync();
        var destroy = await ExpectAsync(_harness.Client.DeleteAsync($"/v1/sandboxes/{id}"), HttpStatusCode.Accepted);
        Assert.That(destroy.GetProperty("status").GetString(), Is.EqualTo("stopping"));

        _harness.Fleet.Hosts[0].Unfreeze();
        await _harness.WaitForStatusAsync(id, "stopped");
        await _harness.WaitForConsumerIdleAsync();
        Assert.That(_harness.Fleet.Hosts[0].TryGet(id, out _), Is.False, "no VM is left for a stopped sandbox");
    }

    [Test]
    public async Task A_failed_create_records_the_error_and_can_still_be_destroyed()
    {
        _harness.Fleet.Hosts[0].FailureRate = 1;
        var id = await CreateAsync();
        var failed = await _harness.WaitForStatusAsync(id, "error");
        Assert.That(failed.GetProperty("last_error").GetString(), Does.Contain("injected failure"));

        _harness.Fleet.Hosts[0].FailureRate = 0;
        await ExpectAsync(_harness.Client.DeleteAsync($"/v1/sandboxes/{id}"), HttpStatusCode.Accepted);
        await _harness.WaitForStatusAsync(id, "stopped");
    }

    [Test]
    public async Task A_failed_resume_keeps_the_sandbox_paused_with_the_error()
    {
        var id = await CreateAsync();
        await _harness.WaitForStatusAsync(id, "running");
        await ExpectAsync(_harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null), HttpStatusCode.Accepted);
        await _harness.WaitForStatusAsync(id, "paused");

        _harness.Fleet.Hosts[0].FailureRate = 1;
        await ExpectAsync(_harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null), HttpStatusCode.Accepted);
        var paused = await WaitForVersionAsync(id, 6);
        Assert.That(paused.GetProperty("status").GetString(), Is.EqualTo("paused"));
        Assert.That(paused.GetProperty("last_error").GetString(), Does.Contain("injected failure"));

        _harness.Fleet.Hosts[0].FailureRate = 0;
        await ExpectAsync(_harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null), HttpStatusCode.Accepted);
        await _harness.WaitForStatusAsync(id, "running");
    }

    [Test]
    public async Task Wait_right_after_create_finds_the_sandbox_and_ends_at_once_when_the_create_fails()
    {
        var id = await CreateAsync();
        var running = await ExpectAsync(_harness.Client.GetAsync($"/v1/sandboxes/{id}/wait?status=running&timeout=20s"), HttpStatusCode.OK);
        Assert.That(running.GetProperty("status").GetString(), Is.EqualTo("running"));

        _harness.Fleet.Hosts[0].FailureRate = 1;
        var failing = await CreateAsync();
        var problem = await ExpectAsync(_harness.Client.GetAsync($"/v1/sandboxes/{failing}/wait?status=running&timeout=20s"), HttpStatusCode.Conflict);
        Assert.That(problem.GetProperty("current_status").GetString(), Is.EqualTo("error"), "an errored sandbox never runs by itself");
    }

    private async Task<string> CreateAsync()
    {
        var created = await ExpectAsync(_harness.Client.PostAsJsonAsync("/v1/sandboxes", new { }), HttpStatusCode.Accepted);
        return created.GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> WaitForVersionAsync(string id, long version)
    {
        var row = default(JsonElement);
        await Eventually.WithinAsync(async () => (row = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{id}")).GetProperty("version").GetInt64() >= version,
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
        return row;
    }

    private static async Task<JsonElement> ExpectAsync(Task<HttpResponseMessage> request, HttpStatusCode status)
    {
        var response = await request;
        var text = await response.Content.ReadAsStringAsync();
        Assert.That(response.StatusCode, Is.EqualTo(status), text);
        return JsonDocument.Parse(text).RootElement;
    }
}
