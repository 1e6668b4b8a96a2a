using System.Text.Json;
using Dapper;

namespace Lifecycle.Tests.Drains;

/// <summary>A drain under faults: the replica driving it stops mid-drain, or the host stops answering for a while.</summary>
public sealed class DrainFaultTests
{
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_drain_carries_on_to_drained_on_the_replica_that_takes_over_when_the_one_driving_it_stops()
    {
        await using var scenario = await DrainScenario.StartAsync(maxInFlight: 4);
        // Slow enough that the stop lands mid-drain: four destroys at a time, each answered after 150 ms.
        scenario.Target.LatencyMs = 150;
        (await scenario.DrainAsync("destroy", deadlineSec: 600)).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(async () => Remaining(await scenario.TargetAsync()) <= 46, TimeSpan.FromSeconds(30), "the drain has begun");

        await scenario.Harness.StopAppAsync();
        var leftBehind = await NotStoppedAsync(scenario);
        Assert.That(leftBehind, Is.GreaterThan(0), "the replica stopped mid-drain");
        await using var next = await scenario.Harness.StartReplicaAsync(hostNamePrefix: "next");
        using var admin = next.ClientWithKey(ControlPlaneHarness.AdminKey);

        await scenario.WaitUntilDrainedAsync(DrainTimeout, admin);
        var states = await scenario.StatesAsync(scenario.OnTarget, next.Client);
        Assert.That(states.Values.Select(s => s.Status), Is.All.EqualTo("stopped"), "every sandbox of the host is stopped, none lost");
        foreach (var id in scenario.OnTarget)
        {
            Assert.That(DrainScenario.DrainAsked(await scenario.EventsAsync(id, next.Client), "destroy"), Is.True, $"sandbox {id} was destroyed by the drain");
        }
        Assert.That(scenario.Target.Snapshot().Keys.Intersect(scenario.OnTarget), Is.Empty);
    }

    [Test]
    public async Task A_host_that_stops_answering_mid_drain_is_never_sent_more_than_the_window_and_drains_once_it_answers_again()
    {
        await using var scenario = await DrainScenario.StartAsync(maxInFlight: 8);
        var callsBefore = scenario.Target.CallsReceived;
        scenario.Target.Freeze();

        (await scenario.DrainAsync("destroy", deadlineSec: 600)).EnsureSuccessStatusCode();
        await Eventually.TrueAsync(() => scenario.Target.CallsReceived - callsBefore >= 8, TimeSpan.FromSeconds(10), "the first window of destroys reached the host");
        // Several rounds go by while the host holds every call: none may add to the window. A bounded wait,
        // as it proves an absence; the first window reaching the host shows the drain was at work.
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var stopping = (await scenario.TargetAsync()).GetProperty("sandboxes").TryGetProperty("stopping", out var n) ? n.GetInt64() : 0;
        Assert.That(stopping, Is.EqualTo(8), "eight sandboxes in flight, no more");
        Assert.That(scenario.Target.CallsReceived - callsBefore, Is.EqualTo(8), "the frozen host got the window's calls and nothing else");

        scenario.Target.Unfreeze();

        await scenario.WaitUntilDrainedAsync(DrainTimeout);
        var states = await scenario.StatesAsync(scenario.OnTarget);
        Assert.That(states.Values.Select(s => s.Status), Is.All.EqualTo("stopped"));
    }

    private static long Remaining(JsonElement host) => host.GetProperty("drain").GetProperty("remaining").GetInt64();

    private static async Task<long> NotStoppedAsync(DrainScenario scenario)
    {
        await using var conn = scenario.Harness.Database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandboxes WHERE host_id = @Id AND status <> 'stopped'", new { Id = scenario.TargetId });
    }
}
