using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Tests.Contract;

/// <summary>The arithmetic of a time to live, and the one rule both sides of the host link follow at an expiry.</summary>
public sealed class ExpiryTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public void A_timer_runs_for_its_timeout_but_never_past_the_lifetime()
    {
        Assert.That(TimeToLive.ExpiresAt(Now, 60, null), Is.EqualTo(Now.AddSeconds(60)));
        Assert.That(TimeToLive.ExpiresAt(Now, 60, Now.AddSeconds(30)), Is.EqualTo(Now.AddSeconds(30)));
        Assert.That(TimeToLive.LifetimeEnd(Now, 90), Is.EqualTo(Now.AddSeconds(90)));
        Assert.That(TimeToLive.LifetimeEnd(Now, null), Is.Null);
    }

    [TestCase(OnTimeout.Pause, "pause")]
    [TestCase(OnTimeout.Destroy, "destroy")]
    public void A_running_sandbox_past_its_deadline_gets_its_policy_for_the_reason_timeout(OnTimeout policy, string operation)
    {
        var due = Expiry.Due(Running, policy, Now.AddSeconds(-1), null, Now)!;

        Assert.That((due.Operation.Name, due.Reason), Is.EqualTo((operation, Reasons.Timeout)));
    }

    [TestCase(Running)]
    [TestCase(Paused)]
    public void A_sandbox_past_its_lifetime_is_destroyed_whatever_its_policy(SandboxStatus status)
    {
        var due = Expiry.Due(status, OnTimeout.Pause, Now.AddSeconds(-1), Now.AddSeconds(-1), Now)!;

        Assert.That((due.Operation, due.Reason), Is.EqualTo((SandboxOperation.Destroy, Reasons.MaxLifetime)));
    }

    [Test]
    public void Nothing_is_due_before_the_deadline_for_a_paused_sandbox_within_its_lifetime_or_in_a_transient_status()
    {
        Assert.That(Expiry.Due(Running, OnTimeout.Pause, Now.AddSeconds(1), null, Now), Is.Null);
        Assert.That(Expiry.Due(Paused, OnTimeout.Destroy, Now.AddSeconds(-100), Now.AddSeconds(5), Now), Is.Null);
        Assert.That(Expiry.Due(Paused, OnTimeout.Destroy, null, null, Now), Is.Null);
        foreach (var status in new[] { Starting, Pausing, Resuming, Stopping, Missing, Error, Stopped })
        {
            Assert.That(Expiry.Due(status, OnTimeout.Destroy, Now.AddSeconds(-1), Now.AddSeconds(-1), Now), Is.Null, status.ToWire());
        }
    }
}
