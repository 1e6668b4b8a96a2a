using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Partitioning;
using Lifecycle.ControlPlane.Teams;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.DependencyInjection;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>
/// The HostMonitor in a real control plane against simulated hosts that heartbeat for real, with
/// intervals cut from a minute to fractions of a second.
/// </summary>
public sealed partial class HostMonitorTests
{
    private static Dictionary<string, string?> Fast(TimeSpan? hostDeadline = null, TimeSpan? heartbeatTimeout = null) => new()
    {
        ["Lifecycle:HostMonitor:Enabled"] = "true",
        ["Lifecycle:HostMonitor:Interval"] = "00:00:00.300",
        ["Lifecycle:HostMonitor:HeartbeatTimeout"] = (heartbeatTimeout ?? TimeSpan.FromSeconds(1.5)).ToString(),
        ["Lifecycle:HostMonitor:HostDeadline"] = (hostDeadline ?? TimeSpan.FromSeconds(1)).ToString(),
        ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:00.500",
        ["Lifecycle:HostMonitor:OrphanGrace"] = "00:00:01",
        ["Lifecycle:Ownership:LeasePeriod"] = "00:00:01",
        ["Lifecycle:HostMonitor:RedriveBackoff"] = "00:00:00.100",
    };

    [Test]
    public async Task A_silent_host_turns_its_sandboxes_missing_and_they_return_or_vanish_as_it_comes_back()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var running = await harness.CreateRunningAsync();
        var paused = await harness.CreateRunningAsync();
        (await harness.Client.PostAsync($"/v1/sandboxes/{paused}/pause", null)).EnsureSuccessStatusCode();
        await harness.WaitForStatusAsync(paused, "paused");

        host.Freeze();
        await harness.WaitForStatusAsync(running, "missing", TimeSpan.FromSeconds(10));
        await harness.WaitForStatusAsync(paused, "missing", TimeSpan.FromSeconds(10));
        Assert.That(await HostStatusAsync(harness, host.HostId!.Value), Is.EqualTo("unreachable"));

        var beatsWhileFrozen = host.HeartbeatsAccepted;
        host.Unfreeze();
        await harness.WaitForStatusAsync(running, "running", TimeSpan.FromSeconds(10));
        Assert.That(host.HeartbeatsAccepted, Is.GreaterThan(beatsWhileFrozen), "the host came back by heartbeating");
        await harness.WaitForStatusAsync(paused, "paused", TimeSpan.FromSeconds(10));
        Assert.That(await HostStatusAsync(harness, host.HostId.Value), Is.EqualTo("online"));

        host.Freeze();
        await harness.WaitForStatusAsync(running, "missing", TimeSpan.FromSeconds(10));
        await harness.WaitForStatusAsync(paused, "missing", TimeSpan.FromSeconds(10));
        host.RestartEmpty();
        host.Unfreeze();
        await harness.WaitForStatusAsync(running, "stopped", TimeSpan.FromSeconds(10));
        await harness.WaitForStatusAsync(paused, "stopped", TimeSpan.FromSeconds(10));

        var types = await HistoryTypesAsync(harness, running);
        Assert.That(types, Is.EqualTo(new[]
        {
            "sandbox.create.requested", "sandbox.create.succeeded", "sandbox.lost", "sandbox.found", "sandbox.lost", "sandbox.vanished",
        }));
    }

    [Test]
    public async Task A_vm_the_database_does_not_know_is_destroyed_after_the_grace()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var known = await harness.CreateRunningAsync();
        using var channel = TestTrust.Channel(host);
        var stray = Guid.NewGuid().ToString();
        await new HostAgentClient(channel).CreateSandboxAsync(new CreateSandboxRequest { SandboxId = stray, Template = "base", Vcpus = 1, MemoryMb = 512, TimeoutSec = 300 });
        var watch = Stopwatch.StartNew();

        await Eventually.TrueAsync(() => !host.TryGet(stray, out _), TimeSpan.FromSeconds(10), "the orphan is destroyed");

        Assert.That(watch.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromSeconds(1)), "not before the orphan grace");
        Assert.That(host.TryGet(known, out _), Is.True, "a sandbox the database knows is left running");
    }

    [Test]
    public async Task A_vm_no_holding_sandbox_accounts_for_counts_as_allocated_until_it_is_gone()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: new Dictionary<string, string?>(Fast())
        {
            ["Lifecycle:HostMonitor:OrphanGrace"] = "00:00:03",
        }, heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var known = await harness.CreateRunningAsync();
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        using var channel = TestTrust.Channel(host);
        var stray = Guid.NewGuid().ToString();
        await new HostAgentClient(channel).CreateSandboxAsync(new CreateSandboxRequest { SandboxId = stray, Template = "base", Vcpus = 3, MemoryMb = 3_072, TimeoutSec = 300 });

        // The known sandbox holds 1 vCPU and 512 MiB; the VM no row accounts for adds its own size.
        await Eventually.ValueAsync(() => AllocatedAsync(admin, host), allocated => allocated == (4, 3_584), TimeSpan.FromSeconds(10),
            "a pass counts the stray VM as allocated");
        Assert.That(host.TryGet(known, out _), Is.True);

        await Eventually.TrueAsync(() => !host.TryGet(stray, out _), TimeSpan.FromSeconds(15), "the orphan is destroyed after its grace");
        await Eventually.ValueAsync(() => AllocatedAsync(admin, host), allocated => allocated == (1, 512), TimeSpan.FromSeconds(10),
            "once it is gone, only the known sandbox is allocated");
    }

    private static async Task<(long Vcpus, long MemoryMb)> AllocatedAsync(HttpClient admin, SimulatedHost host)
    {
        var allocated = (await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{host.HostId}")).GetProperty("allocated");
        return (allocated.GetProperty("vcpus").GetInt64(), allocated.GetProperty("memory_mb").GetInt64());
    }

    [Test]
    public async Task A_create_whose_call_never_reached_the_host_is_re_driven_with_its_whole_spec_after_the_deadline()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        var store = harness.Services.GetRequiredService<SandboxStore>();
        var teamId = await harness.Services.GetRequiredService<TeamStore>().FindTeamByKeyAsync(ControlPlaneHarness.ApiKey, CancellationToken.None)
            ?? throw new AssertionException("the dev team exists");
        var id = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        // The row a create writes before its call, as if the process died between the two: nobody calls the host.
        var requested = StateEvent.CreateRequested(id, teamId, at);
        await store.CreateOnHostAsync(host.HostId!.Value,
            new NewSandbox(id, teamId, "python-3.12", 2, 1024, 600, Lifecycle.Contract.Timeouts.OnTimeout.Pause, null, """{"owner":"ci"}"""), harness.Services.GetRequiredService<EventOutbox>().RecordOf(requested), at.AddSeconds(1), CancellationToken.None);

        await harness.WaitForStatusAsync(id.ToString(), "running", TimeSpan.FromSeconds(10));

        Assert.That(host.TryGet(id.ToString(), out var vm), Is.True, "the host runs it");
        Assert.That((vm!.Spec.Template, vm.Spec.Vcpus, vm.Spec.MemoryMb, vm.Spec.TimeoutSec), Is.EqualTo(("python-3.12", 2, 1024, 600)));
        Assert.That(vm.Spec.Metadata, Is.EqualTo(new Dictionary<string, string> { ["owner"] = "ci" }));
        await using var conn = harness.Database.DataSource.CreateConnection();
        var settled = await conn.QuerySingleAsync<(string Type, string Actor, string Reason)>(
            "SELECT type, actor, reason FROM sandbox_transitions WHERE sandbox_id = @Id AND version = 1", new { Id = id });
        Assert.That(settled, Is.EqualTo(("sandbox.settled", "reconciler", Reasons.Redriven)));
    }

    [Test]
    public async Task A_re_driven_create_its_host_has_no_room_for_ends_stopped_for_no_capacity_not_retried_there()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var host = harness.Fleet.Hosts[0];
        host.MemoryMb = 512;
        var store = harness.Services.GetRequiredService<SandboxStore>();
        var teamId = await harness.Services.GetRequiredService<TeamStore>().FindTeamByKeyAsync(ControlPlaneHarness.ApiKey, CancellationToken.None)
            ?? throw new AssertionException("the dev team exists");
        var id = Guid.CreateVersion7();
        var at = DateTimeOffset.UtcNow.AddMinutes(-1);
        // A create whose call never reached the host, past its deadline: the HostMonitor re-drives it onto a full host.
        await store.CreateOnHostAsync(host.HostId!.Value,
            new NewSandbox(id, teamId, "base", 2, 1024, 600, Lifecycle.Contract.Timeouts.OnTimeout.Pause, null, "{}"),
            harness.Services.GetRequiredService<EventOutbox>().RecordOf(StateEvent.CreateRequested(id, teamId, at)), at.AddSeconds(1), CancellationToken.None);

        var stopped = await harness.WaitForStatusAsync(id.ToString(), "stopped", TimeSpan.FromSeconds(10));

        Assert.That(stopped.GetProperty("stop_reason").GetString(), Is.EqualTo("no_capacity"));
        Assert.That(host.TryGet(id.ToString(), out _), Is.False);
        await using var conn = harness.Database.DataSource.CreateConnection();
        var settled = await conn.QuerySingleAsync<(string Type, string Actor, string Reason, string Error)>(
            "SELECT type, actor, reason, error FROM sandbox_transitions WHERE sandbox_id = @Id AND version = 1", new { Id = id });
        Assert.That((settled.Type, settled.Actor, settled.Reason), Is.EqualTo(("sandbox.settled", "reconciler", Reasons.NoCapacity)));
        Assert.That(settled.Error, Does.StartWith("no_capacity: re-driving create: ResourceExhausted"), "refused, not timed out after retries on the same host");
    }

    [Test]
    public async Task The_safety_brake_refuses_a_host_reporting_none_of_its_sandboxes_until_the_next_pass_confirms()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: Fast(), heartbeatMs: 200);
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            ids.Add(await harness.CreateRunningAsync());
        }
        var counters = harness.Services.GetRequiredService<ReconcileCounters>();
        Assert.That(counters.WithheldTotal, Is.Zero);

        harness.Fleet.Hosts[0].RestartEmpty();

        foreach (var id in ids)
        {
            await harness.WaitForStatusAsync(id, "stopped", TimeSpan.FromSeconds(10));
        }
        Assert.That(counters.WithheldTotal, Is.GreaterThanOrEqualTo(20), "the first pass held all 20 back");
        Assert.That((await HistoryTypesAsync(harness, ids[0]))[^1], Is.EqualTo("sandbox.exited"));
    }

    [Test]
    public async Task A_host_that_never_answers_does_not_hold_up_the_others()
    {
        var hostDeadline = TimeSpan.FromSeconds(6);
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2,
            settings: Fast(hostDeadline, heartbeatTimeout: TimeSpan.FromMinutes(1)), heartbeatMs: 200);
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add(await harness.CreateRunningAsync());
        }
        var onB = ids.Single(id => harness.Fleet.Hosts[1].TryGet(id, out _));
        var frozen = harness.Fleet.Hosts[0];
        var callsBefore = frozen.CallsReceived;
        frozen.Freeze();
        await Eventually.TrueAsync(() => frozen.CallsReceived > callsBefore, TimeSpan.FromSeconds(10),
            "a pass calls host 0 and is held there until its deadline");

        var watch = Stopwatch.StartNew();
        Assert.That(harness.Fleet.Hosts[1].AutoPause(onB, report: false), Is.True, "no callback: the HostMonitor must find it");
        await harness.WaitForStatusAsync(onB, "paused", hostDeadline);

        Assert.That(watch.Elapsed, Is.LessThan(hostDeadline / 2), "host 1 was settled while host 0 still hung");
        frozen.Unfreeze();
    }

    [Test]
    public async Task Sliced_passes_reconcile_every_host_once_per_interval_each_pass_only_the_hosts_of_its_slice()
    {
        const int slices = 3;
        var interval = TimeSpan.FromSeconds(1.5);
        var settings = Fast();
        settings["Lifecycle:HostMonitor:Interval"] = interval.ToString();
        settings["Lifecycle:HostMonitor:Slices"] = slices.ToString(CultureInfo.InvariantCulture);
        var logs = new CapturedLogs();
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 6, settings: settings, heartbeatMs: 200, logs: logs);
        var hosts = harness.Fleet.Hosts;
        var margin = TimeSpan.FromSeconds(1);
        // Hosts run nothing, so every call they receive is a pass's ListSandboxes.
        await EveryHostCalledAsync(hosts, interval + margin);
        var from = logs.Entries.Count; // every pass from here on began after all hosts had registered

        for (var round = 0; round < 3; round++)
        {
            await EveryHostCalledAsync(hosts, interval + margin);
        }

        var inSlice = hosts.CountBy(h => (int)(StableHash.Of(h.HostId!.Value) % slices)).ToDictionary();
        // A host can also be called by a requested pass over every host (after a late heartbeat on a busy machine),
        // which is no slice's: the scheduled passes are read from their own log lines, within three intervals of
        // the rounds above (nine are due in that time).
        var passes = await Eventually.ValueAsync(() => Task.FromResult(logs.Entries.Skip(from).Select(e => SlicePass().Match(e)).Where(m => m.Success)
                .Select(m => (Slice: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Hosts: int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)))
                .ToList()),
            found => found.Count >= 2 * slices, 3 * interval + margin, "scheduled passes ran every interval / slices");
        Assert.That(passes.Select(p => p.Hosts), Is.EqualTo(passes.Select(p => inSlice.GetValueOrDefault(p.Slice))), "each pass reconciled exactly the hosts of its slice");
    }

    private static async Task EveryHostCalledAsync(IReadOnlyList<SimulatedHost> hosts, TimeSpan within)
    {
        var before = hosts.Select(h => h.CallsReceived).ToArray();
        await Eventually.TrueAsync(() => hosts.Select((h, i) => h.CallsReceived > before[i]).All(called => called), within,
            "every host is reconciled within one interval");
    }

    [GeneratedRegex(@"HostMonitor pass over hosts of slice (\d+)/\d+: (\d+) host")]
    private static partial Regex SlicePass();

    private static async Task<string> HostStatusAsync(ControlPlaneHarness harness, Guid hostId)
    {
        using var admin = harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        return (await admin.GetFromJsonAsync<JsonElement>($"/v1/hosts/{hostId}")).GetProperty("status").GetString()!;
    }

    private static async Task<string[]> HistoryTypesAsync(ControlPlaneHarness harness, string id)
    {
        await using var conn = harness.Database.DataSource.CreateConnection();
        return [.. await conn.QueryAsync<string>("SELECT type FROM sandbox_transitions WHERE sandbox_id = @Id ORDER BY version", new { Id = Guid.Parse(id) })];
    }
}
