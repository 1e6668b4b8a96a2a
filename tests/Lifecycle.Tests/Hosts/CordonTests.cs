using System.Net;
using System.Net.Http.Json;

namespace Lifecycle.Tests.Hosts;

/// <summary>
/// A cordoned host takes no new sandbox while the ones it runs carry on, reconciled as before; uncordon
/// returns it to service. A cordon outlives the host falling silent.
/// </summary>
public sealed class CordonTests
{
    [Test]
    public async Task A_cordoned_host_gets_none_of_50_creates_its_sandboxes_carry_on_and_are_reconciled_and_uncordon_resumes_placements()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(hosts: 2, settings: FastHostMonitor.Settings(), heartbeatMs: 200);
        using var admin = new HostAdmin(harness);
        var (cordoned, other) = (harness.Fleet.Hosts[0], harness.Fleet.Hosts[1]);
        var mine = new List<string>();
        while (mine.Count < 3)
        {
            var created = await harness.CreateRunningAsync();
            if (cordoned.TryGet(created, out _))
            {
                mine.Add(created);
            }
        }

        var answer = await admin.TransitionAsync(cordoned.HostId!, "cordon", "kernel upgrade");
        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        Assert.That((await answer.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("status").GetString(), Is.EqualTo("cordoned"));
        var placed = new List<(HttpStatusCode Status, string? Id, Guid? HostId)>();
        for (var i = 0; i < 50; i++)
        {
            placed.Add(await admin.CreateAsync());
        }

        Assert.That(placed.Select(p => p.Status), Is.All.EqualTo(HttpStatusCode.Accepted));
        Assert.That(placed.Select(p => p.HostId), Is.All.EqualTo(other.HostId), "no create lands on the cordoned host");
        foreach (var id in mine)
        {
            Assert.That((await harness.WaitForStatusAsync(id, "running")).GetProperty("status").GetString(), Is.EqualTo("running"));
        }
        // The host pauses one by itself and does not say so: only the HostMonitor's pass can find it.
        Assert.That(cordoned.AutoPause(mine[0], report: false), Is.True);
        await harness.WaitForStatusAsync(mine[0], "paused", TimeSpan.FromSeconds(10));
        Assert.That(await admin.StatusAsync(cordoned.HostId!), Is.EqualTo("cordoned"));

        (await admin.TransitionAsync(cordoned.HostId!, "uncordon", "upgraded")).EnsureSuccessStatusCode();
        var resumed = new List<Guid?>();
        for (var i = 0; i < 10; i++)
        {
            resumed.Add((await admin.CreateAsync()).HostId);
        }

        Assert.That(resumed, Has.Some.EqualTo(cordoned.HostId), "uncordoned, it takes sandboxes again (it is the emptier host)");
        var story = (await admin.HistoryAsync(cordoned.HostId!)).Select(t => (t.Type, t.Actor, t.Reason)).ToList();
        Assert.That(story, Is.EqualTo(new[]
        {
            ("host.registered", "admin", (string?)null),
            ("host.first_heartbeat", $"host:{cordoned.HostId}", null),
            ("host.cordoned", "admin", "kernel upgrade"),
            ("host.uncordoned", "admin", "upgraded"),
        }));
    }

    [Test]
    public async Task A_cordoned_host_silent_past_the_timeout_stays_cordoned_while_its_sandboxes_go_missing_and_they_are_found_when_it_returns()
    {
        await using var harness = await ControlPlaneHarness.StartAsync(settings: FastHostMonitor.Settings(), heartbeatMs: 200);
        using var admin = new HostAdmin(harness);
        var host = harness.Fleet.Hosts[0];
        var running = await harness.CreateRunningAsync();
        var paused = await harness.CreateRunningAsync();
        (await harness.Client.PostAsync($"/v1/sandboxes/{paused}/pause", null)).EnsureSuccessStatusCode();
        await harness.WaitForStatusAsync(paused, "paused");
        (await admin.TransitionAsync(host.HostId!, "cordon")).EnsureSuccessStatusCode();

        host.Freeze();
        await harness.WaitForStatusAsync(running, "missing", TimeSpan.FromSeconds(10));
        await harness.WaitForStatusAsync(paused, "missing", TimeSpan.FromSeconds(10));
        var silent = await admin.GetAsync(host.HostId!);
        Assert.That(silent.GetProperty("status").GetString(), Is.EqualTo("cordoned"), "the operator's cordon outlives the silence");
        Assert.That(silent.GetProperty("silent").GetBoolean(), Is.True);

        host.Unfreeze();
        await harness.WaitForStatusAsync(running, "running", TimeSpan.FromSeconds(10));
        await harness.WaitForStatusAsync(paused, "paused", TimeSpan.FromSeconds(10));

        var back = await admin.GetAsync(host.HostId!);
        Assert.That((back.GetProperty("status").GetString(), back.GetProperty("silent").GetBoolean()), Is.EqualTo(("cordoned", false)));
        Assert.That((await admin.HistoryAsync(host.HostId!)).Select(t => t.Type), Is.EqualTo(new[] { "host.registered", "host.first_heartbeat", "host.cordoned" }),
            "silence and return changed nothing in its status");
    }
}
