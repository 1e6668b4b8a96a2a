using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Tests.Contract;

/// <summary>The stop-reason table: total over the transition table, and saying what the contract says on each path.</summary>
public sealed class StopReasonsTests
{
    private static IEnumerable<TestCaseData> PathsIntoAStoppedStatus() =>
        from row in TransitionTable.Rows
        from source in row.CreatesRow ? [null] : row.From.Select(f => (SandboxStatus?)f)
        from to in row.To.Where(StopReasons.Stopped.Contains)
        select new TestCaseData(row.EventType, source, to).SetArgDisplayNames(row.EventType, source?.ToWire() ?? "new", to.ToWire());

    [TestCaseSource(nameof(PathsIntoAStoppedStatus))]
    public void Every_path_into_paused_stopped_or_error_has_a_rule_whatever_its_reason(string type, SandboxStatus? from, SandboxStatus to)
    {
        foreach (var reason in new[] { null, "something a host says", Reasons.Timeout, Reasons.MaxLifetime, Reasons.Drained, Reasons.HostDecommissioned })
        {
            Assert.That(StopReasons.RuleFor(type, from, to, reason), Is.Not.Null, $"{type} {from} -> {to} ({reason})");
        }
    }

    [Test]
    public void No_status_outside_paused_stopped_and_error_has_a_stop_reason()
    {
        foreach (var status in Enum.GetValues<SandboxStatus>().Except(StopReasons.Stopped))
        {
            Assert.That(StopReasons.RuleFor(EventTypes.Settled, Starting, status, null), Is.Null, status.ToWire());
        }
    }

    [TestCase(EventTypes.CreateFailed, Starting, Error, null, StopReason.CreateFailed)]
    [TestCase(EventTypes.DestroyFailed, Stopping, Error, Reasons.HostRpcFailed, StopReason.DestroyFailed)]
    [TestCase(EventTypes.ResumeFailed, Resuming, Paused, Reasons.HostRpcFailed, StopReason.ResumeFailed)]
    [TestCase(EventTypes.PauseSucceeded, Pausing, Paused, null, StopReason.Requested)]
    [TestCase(EventTypes.PauseSucceeded, Pausing, Paused, Reasons.Timeout, StopReason.Timeout)]
    [TestCase(EventTypes.PauseSucceeded, Pausing, Paused, Reasons.Drained, StopReason.Drained)]
    [TestCase(EventTypes.DestroySucceeded, Stopping, Stopped, null, StopReason.Requested)]
    [TestCase(EventTypes.DestroySucceeded, Stopping, Stopped, Reasons.Timeout, StopReason.Timeout)]
    [TestCase(EventTypes.DestroySucceeded, Stopping, Stopped, Reasons.MaxLifetime, StopReason.MaxLifetime)]
    [TestCase(EventTypes.DestroySucceeded, Stopping, Stopped, Reasons.Drained, StopReason.Drained)]
    [TestCase(EventTypes.AutoPaused, Running, Paused, "idle", StopReason.Idle)]
    [TestCase(EventTypes.AutoPaused, Running, Paused, Reasons.AutoPausedByHost, StopReason.Idle)]
    [TestCase(EventTypes.AutoPaused, Pausing, Paused, Reasons.Timeout, StopReason.Timeout)]
    [TestCase(EventTypes.Exited, Running, Stopped, "crashed", StopReason.HostExited)]
    [TestCase(EventTypes.Exited, Paused, Stopped, Reasons.MaxLifetime, StopReason.MaxLifetime)]
    [TestCase(EventTypes.Exited, Running, Stopped, Reasons.Timeout, StopReason.Timeout)]
    [TestCase(EventTypes.Vanished, Missing, Stopped, Reasons.AbsentOnHost, StopReason.Vanished)]
    [TestCase(EventTypes.Vanished, Paused, Stopped, Reasons.SnapshotGone, StopReason.Vanished)]
    [TestCase(EventTypes.Vanished, Missing, Stopped, Reasons.HostDecommissioned, StopReason.Decommissioned)]
    [TestCase(EventTypes.Settled, Starting, Paused, Reasons.HostShowsOutcome, StopReason.Idle)]
    [TestCase(EventTypes.Settled, Resuming, Paused, Reasons.HostShowsOutcome, StopReason.ResumeFailed)]
    [TestCase(EventTypes.Settled, Pausing, Stopped, Reasons.AbsentOnHost, StopReason.Vanished)]
    [TestCase(EventTypes.Settled, Starting, Error, null, StopReason.TimedOut)]
    [TestCase(EventTypes.TimedOut, Stopping, Error, Reasons.DeadlinePassed, StopReason.TimedOut)]
    public void A_transition_yields_the_stop_reason_the_contract_names(string type, SandboxStatus from, SandboxStatus to, string? reason, StopReason expected)
    {
        var rule = StopReasons.RuleFor(type, from, to, reason)!;

        Assert.That((rule.Yields, rule.Otherwise), Is.EqualTo(((StopReason?)expected, expected)));
    }

    [TestCase(EventTypes.Settled, Pausing, Paused, StopReason.Requested)]
    [TestCase(EventTypes.Settled, Stopping, Stopped, StopReason.Requested)]
    [TestCase(EventTypes.Found, Missing, Paused, StopReason.Idle)]
    public void A_settle_or_a_find_takes_the_reason_the_row_holds_and_falls_back_otherwise(string type, SandboxStatus from, SandboxStatus to, StopReason otherwise)
    {
        var rule = StopReasons.RuleFor(type, from, to, Reasons.HostShowsOutcome)!;

        Assert.That((rule.Yields, rule.Otherwise), Is.EqualTo(((StopReason?)null, otherwise)));
    }

    [Test]
    public void A_pause_or_destroy_request_carries_the_stop_reason_it_will_lead_to()
    {
        Assert.That(StopReasons.IntentOf(SandboxOperation.Pause, null), Is.EqualTo(StopReason.Requested));
        Assert.That(StopReasons.IntentOf(SandboxOperation.Pause, Reasons.Timeout), Is.EqualTo(StopReason.Timeout));
        Assert.That(StopReasons.IntentOf(SandboxOperation.Destroy, Reasons.MaxLifetime), Is.EqualTo(StopReason.MaxLifetime));
        Assert.That(StopReasons.IntentOf(SandboxOperation.Destroy, Reasons.Drained), Is.EqualTo(StopReason.Drained));
        Assert.That(StopReasons.IntentOf(SandboxOperation.Resume, null), Is.Null);
        Assert.That(StopReasons.IntentOf(SandboxOperation.Create, null), Is.Null);
    }

    [Test]
    public void Wire_names_are_snake_case_and_read_back()
    {
        Assert.That(StopReason.MaxLifetime.ToWire(), Is.EqualTo("max_lifetime"));
        Assert.That(StopReason.HostExited.ToWire(), Is.EqualTo("host_exited"));
        foreach (var reason in Enum.GetValues<StopReason>())
        {
            Assert.That(StopReasons.TryParse(reason.ToWire(), out var back) && back == reason, reason.ToString());
        }
    }
}
