using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.Tests.Drains;

/// <summary>
/// A drain of a host with 50 sandboxes, half running and half paused, in each mode, end to end: real
/// Postgres, Redis and simulated hosts. Every sandbox of the host ends where the mode promises, the host is
/// drained, no sandbox is lost, and the other host's sandboxes are not touched.
/// </summary>
public sealed class DrainTests
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Destroy_mode_stops_every_sandbox_of_the_host_and_leaves_it_drained()
    {
        await using var scenario = await DrainScenario.StartAsync();
        var bystanders = await scenario.StatesAsync(scenario.OnBystander);

        var response = await scenario.DrainAsync("destroy", deadlineSec: 600);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        var accepted = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(accepted.GetProperty("status").GetString(), Is.EqualTo("draining"));
        Assert.That(accepted.GetProperty("drain").GetProperty("mode").GetString(), Is.EqualTo("destroy"));
        var host = await scenario.WaitUntilDrainedAsync(DrainTimeout);
        Assert.That(host.GetProperty("drain").GetProperty("remaining").GetInt64(), Is.Zero);
        var states = await scenario.StatesAsync(scenario.OnTarget);
        Assert.That(states.Values.Select(s => s.Status), Is.All.EqualTo("stopped"), "every sandbox of the host is stopped");
        foreach (var id in scenario.OnTarget)
        {
            var events = await scenario.EventsAsync(id);
            Assert.That(DrainScenario.DrainAsked(events, "destroy"), Is.True, $"sandbox {id}'s history shows the drain destroying it");
            Assert.That(events[^1].GetProperty("reason").GetString(), Is.EqualTo("drained"), $"sandbox {id} stopped for the drain");
        }
        Assert.That(scenario.Target.Snapshot().Keys.Intersect(scenario.OnTarget), Is.Empty, "nothing of them is left on the host");
        Assert.That(await scenario.StatesAsync(scenario.OnBystander), Is.EqualTo(bystanders), "the other host's sandboxes are untouched");
        Assert.That((await scenario.HostHistoryAsync()).Select(h => (h.Type, h.To, h.Actor)), Is.SupersetOf(new[]
        {
            ("host.drain.started", "draining", "admin"),
            ("host.drained", "drained", "reconciler"),
        }));
    }

    [Test]
    public async Task Pause_mode_pauses_every_running_sandbox_and_keeps_the_paused_ones_on_the_host_whatever_the_paused_quota()
    {
        await using var scenario = await DrainScenario.StartAsync();
        var bystanders = await scenario.StatesAsync(scenario.OnBystander);
        var before = await scenario.StatesAsync(scenario.OnTarget);
        // The team may keep no sandbox paused by its own request: a drain's pause is not the team's, and never fails on it.
        var teamId = (await scenario.Harness.Client.GetFromJsonAsync<JsonElement>("/v1/quota")).GetProperty("team_id").GetString();
        using (var quota = new StringContent("""{"max_paused_sandboxes": 0}""", System.Text.Encoding.UTF8, "application/json"))
        {
            Assert.That((await scenario.Admin.PutAsync($"/v1/teams/{teamId}/quotas", quota)).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        }

        (await scenario.DrainAsync("pause", deadlineSec: 600)).EnsureSuccessStatusCode();

        var host = await scenario.WaitUntilDrainedAsync(DrainTimeout);
        var drain = host.GetProperty("drain");
        Assert.That(drain.GetProperty("remaining").GetInt64(), Is.Zero);
        Assert.That(drain.GetProperty("paused_kept").GetInt64(), Is.EqualTo(50), "the drained host says what is left on it");
        var states = await scenario.StatesAsync(scenario.OnTarget);
        Assert.That(states.Values.Select(s => s.Status), Is.All.EqualTo("paused"));
        foreach (var id in scenario.OnTarget.Where(id => before[id].Status == "running"))
        {
            Assert.That(DrainScenario.DrainAsked(await scenario.EventsAsync(id), "pause"), Is.True, $"sandbox {id}'s history shows the drain pausing it");
        }
        foreach (var id in scenario.OnTarget.Where(id => before[id].Status == "paused"))
        {
            Assert.That(states[id], Is.EqualTo(before[id]), $"paused sandbox {id} was left as it was");
        }
        Assert.That(scenario.OnTarget.Select(id => scenario.Target.Snapshot()[id].State), Is.All.EqualTo(SimulatedSandboxState.Paused),
            "the host keeps every one of them paused");
        Assert.That(await scenario.StatesAsync(scenario.OnBystander), Is.EqualTo(bystanders), "the other host's sandboxes are untouched");
    }

    [Test]
    public async Task Wait_mode_touches_nothing_and_ends_when_the_users_have_deleted_every_sandbox()
    {
        await using var scenario = await DrainScenario.StartAsync();
        var before = await scenario.StatesAsync(scenario.OnTarget);

        (await scenario.DrainAsync("wait", deadlineSec: 600)).EnsureSuccessStatusCode();

        // The drain has looked (it counts what remains) before the bounded wait below, so that nothing
        // asked for over two more rounds' worth of time is not merely a drain that had not started.
        var draining = await Eventually.ValueAsync(() => scenario.TargetAsync(), h => h.GetProperty("drain").GetProperty("remaining").GetInt64() == 50,
            TimeSpan.FromSeconds(10), "the drain counts 50 remaining");
        Assert.That(draining.GetProperty("status").GetString(), Is.EqualTo("draining"));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.That(await scenario.StatesAsync(scenario.OnTarget), Is.EqualTo(before), "a waiting drain asks for nothing");
        foreach (var id in scenario.OnTarget)
        {
            (await scenario.Harness.Client.DeleteAsync($"/v1/sandboxes/{id}")).EnsureSuccessStatusCode();
        }

        await scenario.WaitUntilDrainedAsync(DrainTimeout);
        foreach (var id in scenario.OnTarget)
        {
            var events = await scenario.EventsAsync(id);
            Assert.That(events[^1].GetProperty("to").GetString(), Is.EqualTo("stopped"));
            Assert.That(events.Any(e => e.GetProperty("actor").GetString() == "drain"), Is.False, $"sandbox {id} was ended by its user, not the drain");
        }
    }

    [Test]
    public async Task Wait_mode_destroys_whatever_is_left_when_its_deadline_passes()
    {
        await using var scenario = await DrainScenario.StartAsync();
        var deletedByUsers = scenario.OnTarget.Take(20).ToList();

        (await scenario.DrainAsync("wait", deadlineSec: 6)).EnsureSuccessStatusCode();
        foreach (var id in deletedByUsers)
        {
            (await scenario.Harness.Client.DeleteAsync($"/v1/sandboxes/{id}")).EnsureSuccessStatusCode();
        }

        await scenario.WaitUntilDrainedAsync(DrainTimeout);
        var states = await scenario.StatesAsync(scenario.OnTarget);
        Assert.That(states.Values.Select(s => s.Status), Is.All.EqualTo("stopped"));
        foreach (var id in scenario.OnTarget.Except(deletedByUsers))
        {
            Assert.That(DrainScenario.DrainAsked(await scenario.EventsAsync(id), "destroy"), Is.True, $"sandbox {id} was destroyed by the drain at its deadline");
        }
        Assert.That(scenario.Target.Snapshot().Keys.Intersect(scenario.OnTarget), Is.Empty);
    }
}
