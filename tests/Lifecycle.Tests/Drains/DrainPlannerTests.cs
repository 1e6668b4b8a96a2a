using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Drains;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Tests.Drains;

/// <summary>What a drain does with each sandbox of its host, by mode, status and deadline; and how much it asks for at once.</summary>
public sealed class DrainPlannerTests
{
    [TestCase(DrainMode.Destroy, Running, DrainStep.Destroy)]
    [TestCase(DrainMode.Destroy, Paused, DrainStep.Destroy)]
    [TestCase(DrainMode.Destroy, Error, DrainStep.Destroy)]
    [TestCase(DrainMode.Destroy, Missing, DrainStep.Destroy)]
    [TestCase(DrainMode.Destroy, Starting, DrainStep.Wait)]
    [TestCase(DrainMode.Destroy, Pausing, DrainStep.Wait)]
    [TestCase(DrainMode.Destroy, Resuming, DrainStep.Wait)]
    [TestCase(DrainMode.Destroy, Stopping, DrainStep.Wait)]
    [TestCase(DrainMode.Destroy, Stopped, DrainStep.Done)]
    [TestCase(DrainMode.Pause, Running, DrainStep.Pause)]
    [TestCase(DrainMode.Pause, Paused, DrainStep.Done)]
    [TestCase(DrainMode.Pause, Error, DrainStep.Destroy)]
    [TestCase(DrainMode.Pause, Missing, DrainStep.Wait)]
    [TestCase(DrainMode.Pause, Starting, DrainStep.Wait)]
    [TestCase(DrainMode.Pause, Resuming, DrainStep.Wait)]
    [TestCase(DrainMode.Pause, Pausing, DrainStep.Wait)]
    [TestCase(DrainMode.Pause, Stopped, DrainStep.Done)]
    [TestCase(DrainMode.Wait, Running, DrainStep.Wait)]
    [TestCase(DrainMode.Wait, Paused, DrainStep.Wait)]
    [TestCase(DrainMode.Wait, Error, DrainStep.Wait)]
    [TestCase(DrainMode.Wait, Stopped, DrainStep.Done)]
    public void Before_the_deadline_each_mode_does_what_it_promises(DrainMode mode, SandboxStatus status, DrainStep step) =>
        Assert.That(DrainPlanner.Next(mode, status, lostFrom: null, pastDeadline: false), Is.EqualTo(step));

    [TestCase(DrainMode.Wait, Running)]
    [TestCase(DrainMode.Wait, Paused)]
    [TestCase(DrainMode.Wait, Starting)]
    [TestCase(DrainMode.Pause, Running)]
    [TestCase(DrainMode.Pause, Pausing)]
    [TestCase(DrainMode.Pause, Resuming)]
    [TestCase(DrainMode.Destroy, Starting)]
    [TestCase(DrainMode.Pause, Missing)]
    public void From_the_deadline_on_whatever_is_not_done_is_destroyed(DrainMode mode, SandboxStatus status) =>
        Assert.That(DrainPlanner.Next(mode, status, lostFrom: Running, pastDeadline: true), Is.EqualTo(DrainStep.Destroy));

    [Test]
    public void A_paused_sandbox_stays_paused_past_a_pause_drains_deadline() =>
        Assert.That(DrainPlanner.Next(DrainMode.Pause, Paused, null, pastDeadline: true), Is.EqualTo(DrainStep.Done));

    [TestCase(false)]
    [TestCase(true)]
    public void A_destroy_under_way_is_never_asked_for_again_even_after_its_host_fell_silent(bool pastDeadline)
    {
        Assert.That(DrainPlanner.Next(DrainMode.Destroy, Stopping, null, pastDeadline), Is.EqualTo(DrainStep.Wait));
        Assert.That(DrainPlanner.Next(DrainMode.Destroy, Missing, lostFrom: Stopping, pastDeadline), Is.EqualTo(DrainStep.Wait));
    }

    [Test]
    public void A_round_asks_for_no_more_than_the_in_flight_window_allows()
    {
        var rows = Enumerable.Range(0, 40).Select(_ => Row(Running))
            .Concat(Enumerable.Range(0, 6).Select(_ => Row(Stopping)))
            .Concat(Enumerable.Range(0, 4).Select(_ => Row(Stopped)))
            .ToList();

        var plan = DrainPlanner.Plan(DrainMode.Destroy, rows, pastDeadline: false, maxInFlight: 16);

        Assert.That(plan.Requests, Has.Count.EqualTo(10), "16 in flight at most, 6 already are");
        Assert.That(plan.Requests.Select(r => r.Operation), Is.All.EqualTo(SandboxOperation.Destroy));
        Assert.That(plan.Remaining, Is.EqualTo(46));
        Assert.That(plan.InFlight, Is.EqualTo(6));
    }

    [Test]
    public void A_pause_drain_is_over_when_every_sandbox_is_paused_or_stopped()
    {
        var plan = DrainPlanner.Plan(DrainMode.Pause, [Row(Paused), Row(Paused), Row(Stopped)], pastDeadline: false, maxInFlight: 16);

        Assert.That(plan.Remaining, Is.Zero);
        Assert.That(plan.Requests, Is.Empty);
    }

    [Test]
    public void Remaining_counts_what_the_mode_has_not_yet_ended()
    {
        var counts = new Dictionary<string, long> { ["running"] = 3, ["paused"] = 5, ["stopping"] = 2 };

        Assert.That(DrainMode.Pause.Remaining(counts), Is.EqualTo(5));
        Assert.That(DrainMode.Destroy.Remaining(counts), Is.EqualTo(10));
    }

    private static HostedSandbox Row(SandboxStatus status) =>
        new(Guid.CreateVersion7(), Guid.NewGuid(), Guid.NewGuid(), status, 3, null, DateTime.UtcNow, null);
}
