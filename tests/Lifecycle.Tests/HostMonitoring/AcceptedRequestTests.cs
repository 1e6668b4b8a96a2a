using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.DependencyInjection;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>
/// Faults a soak found, each against a real control plane and a simulated host that is frozen, wiped
/// or contradicted for real: an accepted request is never undone, and no VM runs unseen (invariants 6, 7).
/// </summary>
public sealed class AcceptedRequestTests
{
    private static Dictionary<string, string?> Fast(TimeSpan heartbeatTimeout) => new()
    {
        ["Lifecycle:HostMonitor:Enabled"] = "true",
        ["Lifecycle:HostMonitor:Interval"] = "00:00:00.300",
        ["Lifecycle:HostMonitor:HeartbeatTimeout"] = heartbeatTimeout.ToString(),
        ["Lifecycle:HostMonitor:HostDeadline"] = "00:00:01",
        ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:00.500",
        ["Lifecycle:Ownership:LeasePeriod"] = "00:00:01",
        ["Lifecycle:HostMonitor:RedriveBackoff"] = "00:00:00.100",
        ["Lifecycle:Operations:RpcTimeout"] = "00:00:01",
        ["Lifecycle:Operations:Deadline"] = "00:00:02",
    };

    [Test]
    public async Task A_destroy_accepted_before_its_host_went_silent_is_finished_when_the_host_returns_never_undone()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(heartbeatTimeout: TimeSpan.FromSeconds(1.5)), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();

        host.Freeze();
        Assert.That((int)(await harness.Client.DeleteAsync($"/v1/sandboxes/{id}")).StatusCode, Is.EqualTo(202));
        await harness.WaitForStatusAsync(id, "missing", TimeSpan.FromSeconds(10));
        host.Unfreeze();

        await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(15));
        Assert.That(host.TryGet(id, out _), Is.False, "the VM is destroyed");
        var history = await HistoryAsync(harness, id);
        var requested = history.FindIndex(h => h.Type == EventTypes.DestroyRequested);
        Assert.That(history.Skip(requested).Select(h => h.To), Has.None.EqualTo("running"), "after the destroy was accepted the sandbox never ran again");
        Assert.That(history.Select(h => h.Type), Does.Contain(EventTypes.Lost), "the host really went silent in between");
    }

    [Test]
    public async Task A_destroy_that_times_out_on_a_frozen_host_ends_stopped_with_its_vm_gone_not_error_with_the_vm_alive()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(heartbeatTimeout: TimeSpan.FromMinutes(1)), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();
        var operations = harness.Services.GetRequiredService<BackgroundOperations>();

        host.Freeze();
        Assert.That((int)(await harness.Client.DeleteAsync($"/v1/sandboxes/{id}")).StatusCode, Is.EqualTo(202));
        await Eventually.TrueAsync(() => operations.InFlight == 0, TimeSpan.FromSeconds(10), "the destroy call gives up on the frozen host");
        await harness.WaitForConsumerIdleAsync();
        Assert.That((await harness.WaitForStatusAsync(id, "stopping")).GetProperty("status").GetString(), Is.EqualTo("stopping"),
            "a host that cannot say what it did decides nothing: no failure is declared");
        host.Unfreeze();

        await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(15));
        Assert.That(host.TryGet(id, out _), Is.False, "the VM is destroyed");
        Assert.That((await HistoryAsync(harness, id)).Select(h => h.To), Has.None.EqualTo("error"));
    }

    [Test]
    public async Task A_vm_alive_for_an_error_row_is_destroyed_and_the_row_stays_error()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(heartbeatTimeout: TimeSpan.FromMinutes(1)), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var store = harness.Services.GetRequiredService<SandboxStore>();
        var teamId = await harness.Services.GetRequiredService<TeamStore>().FindTeamByKeyAsync(ControlPlaneHarness.ApiKey, CancellationToken.None)
            ?? throw new AssertionException("the dev team exists");
        var id = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        // A create that timed out into error while, unseen, its VM came up on the host.
        await store.CreateOnHostAsync(host.HostId!.Value, new NewSandbox(id, teamId, "base", 1, 512, 300, Lifecycle.Contract.Timeouts.OnTimeout.Pause, null, "{}"),
            harness.Services.GetRequiredService<EventOutbox>().RecordOf(StateEvent.CreateRequested(id, teamId, at)), at.AddMinutes(2), CancellationToken.None);
        using var channel = TestTrust.Channel(host);
        await new HostAgentClient(channel).CreateSandboxAsync(new CreateSandboxRequest { SandboxId = id.ToString(), Template = "base", Vcpus = 1, MemoryMb = 512, TimeoutSec = 300 });
        var failed = await store.TryTransitionAsync(new StateEvent(Guid.CreateVersion7(), EventTypes.TimedOut, id, teamId, host.HostId,
            SandboxStatus.Starting, SandboxStatus.Error, 1, Actors.HostMonitor, Reasons.DeadlinePassed, "deadline_passed: test", at), null, CancellationToken.None);
        Assert.That(failed?.Status, Is.EqualTo(SandboxStatus.Error));
        await using (var conn = harness.Database.DataSource.CreateConnection())
        {
            // Changed long enough ago for the HostMonitor to act on it.
            await conn.ExecuteAsync("UPDATE sandboxes SET updated_at = now() - interval '1 minute' WHERE id = @Id", new { Id = id });
        }

        await Eventually.TrueAsync(() => !host.TryGet(id.ToString(), out _), TimeSpan.FromSeconds(10), "the VM of the error row is destroyed");

        var row = await harness.WaitForStatusAsync(id.ToString(), "error");
        Assert.That(row.GetProperty("status").GetString(), Is.EqualTo("error"));
        Assert.That((await HistoryAsync(harness, id.ToString())).Count, Is.EqualTo(2), "the row itself did not change");
    }

    [Test]
    public async Task A_paused_sandbox_whose_host_lost_its_vm_and_snapshot_ends_stopped_instead_of_failing_every_resume()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(heartbeatTimeout: TimeSpan.FromMinutes(1)), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();
        (await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).EnsureSuccessStatusCode();
        await harness.WaitForStatusAsync(id, "paused");

        host.RestartEmpty();

        await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(10));
        var last = (await HistoryAsync(harness, id))[^1];
        Assert.That((last.Type, last.Reason), Is.EqualTo((EventTypes.Vanished, Reasons.SnapshotGone)));
    }

    [Test]
    public async Task A_paused_sandbox_whose_snapshot_is_kept_off_its_host_outlives_the_hosts_restart_and_resumes()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(heartbeatTimeout: TimeSpan.FromMinutes(1)), heartbeatMs: 200, snapshotsOffHost: true);
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();
        (await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).EnsureSuccessStatusCode();
        await harness.WaitForStatusAsync(id, "paused");
        var versions = (await HistoryAsync(harness, id)).Count;
        var passes = harness.Services.GetRequiredService<ReconcileCounters>();

        host.RestartEmpty();
        Assert.That(host.TryGet(id, out _), Is.False, "the VM is gone; only its stored snapshot is left");
        var after = passes.PassesTotal;
        await Eventually.TrueAsync(() => passes.PassesTotal >= after + 3, TimeSpan.FromSeconds(10), "three HostMonitor passes see the restarted host");

        Assert.That((await HistoryAsync(harness, id)).Count, Is.EqualTo(versions), "a stored snapshot is paused elsewhere, not gone");
        (await harness.Client.PostAsync($"/v1/sandboxes/{id}/resume", null)).EnsureSuccessStatusCode();
        await harness.WaitForStatusAsync(id, "running");
        Assert.That(host.TryGet(id, out var vm) && vm.State == Lifecycle.HostAgentSim.Fleet.SimulatedSandboxState.Running, Is.True, "restored on the host");
    }

    [Test]
    public async Task A_paused_sandbox_whose_vm_runs_again_on_its_host_is_paused_again_and_its_row_stays_paused()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(heartbeatTimeout: TimeSpan.FromMinutes(1)), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var id = await harness.CreateRunningAsync();
        (await harness.Client.PostAsync($"/v1/sandboxes/{id}/pause", null)).EnsureSuccessStatusCode();
        await harness.WaitForStatusAsync(id, "paused");
        var versions = (await HistoryAsync(harness, id)).Count;
        using var channel = TestTrust.Channel(host);
        await new HostAgentClient(channel).ResumeSandboxAsync(new ResumeSandboxRequest { SandboxId = id });
        Assert.That(host.TryGet(id, out var resumed) && resumed.State == Lifecycle.HostAgentSim.Fleet.SimulatedSandboxState.Running, Is.True);

        await Eventually.TrueAsync(() => host.TryGet(id, out var vm) && vm.State == Lifecycle.HostAgentSim.Fleet.SimulatedSandboxState.Paused,
            TimeSpan.FromSeconds(10), "the host pauses the VM again");

        Assert.That((await harness.WaitForStatusAsync(id, "paused")).GetProperty("status").GetString(), Is.EqualTo("paused"));
        Assert.That((await HistoryAsync(harness, id)).Count, Is.EqualTo(versions), "the row did not move");
    }

    private static async Task<List<(string Type, string To, string? Reason)>> HistoryAsync(ControlPlaneHarness harness, string id)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<(string, string, string?)>(
            "SELECT type, to_status, reason FROM sandbox_transitions WHERE sandbox_id = @Id ORDER BY version", new { Id = Guid.Parse(id) })];
    }
}
