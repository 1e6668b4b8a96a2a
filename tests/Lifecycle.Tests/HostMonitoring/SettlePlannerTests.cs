using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>Every rule of the active phase, one database row against one host report at a time.</summary>
public sealed class SettlePlannerTests
{
    private static readonly DateTime Now = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public enum Host { Absent, Running, Paused, AbsentButAutoPaused, SnapshotStoredOffHost }

    public enum Deadline { Passed, Ahead }

    [TestCase(Missing, Host.Running, EventTypes.Found, Running)]
    [TestCase(Missing, Host.Paused, EventTypes.Found, Paused)]
    [TestCase(Missing, Host.Absent, EventTypes.Vanished, Stopped)]
    [TestCase(Running, Host.Absent, EventTypes.Exited, Stopped)]
    [TestCase(Running, Host.AbsentButAutoPaused, EventTypes.AutoPaused, Paused)]
    [TestCase(Running, Host.Paused, EventTypes.AutoPaused, Paused)]
    [TestCase(Starting, Host.Running, EventTypes.Settled, Running)]
    [TestCase(Starting, Host.Paused, EventTypes.Settled, Paused)]
    [TestCase(Pausing, Host.Paused, EventTypes.Settled, Paused)]
    [TestCase(Pausing, Host.SnapshotStoredOffHost, EventTypes.Settled, Paused)]
    [TestCase(Pausing, Host.Absent, EventTypes.Settled, Stopped)]
    [TestCase(Resuming, Host.Running, EventTypes.Settled, Running)]
    [TestCase(Resuming, Host.Absent, EventTypes.Settled, Stopped)]
    [TestCase(Stopping, Host.Absent, EventTypes.Settled, Stopped)]
    [TestCase(Paused, Host.Absent, EventTypes.Vanished, Stopped)]
    [TestCase(Missing, Host.SnapshotStoredOffHost, EventTypes.Found, Paused)]
    public void A_sandbox_the_host_contradicts_gets_the_event_of_the_table_that_fits(SandboxStatus db, Host host, string type, SandboxStatus to)
    {
        var row = Row(db, Deadline.Ahead, updatedAgo: TimeSpan.FromMinutes(1));

        var transit = (Transit)Plan(row, host).Single();

        Assert.That((transit.EventType, transit.To), Is.EqualTo((type, to)));
        Assert.That(TransitionTable.Allows(transit.EventType, db, transit.To), Is.True, "every decision is a row of the table");
    }

    [TestCase(Running, Host.Running)]
    [TestCase(Paused, Host.Paused)]
    [TestCase(Paused, Host.SnapshotStoredOffHost)]
    [TestCase(Error, Host.Absent)]
    public void A_sandbox_the_host_agrees_with_or_that_has_no_rule_is_left_alone(SandboxStatus db, Host host)
    {
        Assert.That(Plan(Row(db, Deadline.Ahead, TimeSpan.FromMinutes(1)), host), Is.Empty);
    }

    [TestCase(Starting, Host.Running)]
    [TestCase(Pausing, Host.Absent)]
    [TestCase(Stopping, Host.Absent)]
    public void A_transient_sandbox_inside_its_grace_is_left_to_its_operation(SandboxStatus db, Host host)
    {
        Assert.That(Plan(Row(db, Deadline.Passed, updatedAgo: TimeSpan.FromSeconds(5)), host), Is.Empty);
    }

    [TestCase(Stopping, "destroy")]
    [TestCase(Starting, "create")]
    [TestCase(Pausing, "pause")]
    [TestCase(Resuming, "resume")]
    public void A_sandbox_lost_mid_operation_returns_to_that_operation_when_found_whatever_the_host_shows(SandboxStatus lostIn, string operation)
    {
        foreach (var host in new[] { Host.Running, Host.Paused })
        {
            var row = Row(Missing, Deadline.Ahead, TimeSpan.FromMinutes(1), lostFrom: lostIn);

            var transit = (Transit)Plan(row, host).Single();

            Assert.That((transit.EventType, transit.To), Is.EqualTo((EventTypes.Found, lostIn)), $"host shows {host}");
            Assert.That(SandboxOperation.UnderWayIn(transit.To)?.Name, Is.EqualTo(operation));
            Assert.That(TransitionTable.Allows(transit.EventType, Missing, transit.To), Is.True);
        }
    }

    [Test]
    public void A_sandbox_found_back_in_its_operation_has_that_operation_re_driven_after_its_grace()
    {
        // What the consumer leaves after applying found → stopping: no operation deadline.
        var found = new HostedSandbox(Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), Stopping, 5, null, Now - Grace, null);

        var redrive = (Redrive)SettlePlanner.Plan([found], Reply((found.Id.ToString(), SandboxState.Running)), Now, Grace).Single();

        Assert.That(redrive.Operation, Is.EqualTo(SandboxOperation.Destroy));
    }

    [TestCase(Running, Host.Running)]
    [TestCase(Paused, Host.Paused)]
    public void A_sandbox_lost_while_settled_is_found_as_the_host_shows_it(SandboxStatus lostIn, Host host)
    {
        var transit = (Transit)Plan(Row(Missing, Deadline.Ahead, TimeSpan.FromMinutes(1), lostFrom: lostIn), host).Single();

        Assert.That((transit.EventType, transit.To, transit.Reason), Is.EqualTo((EventTypes.Found, lostIn, Reasons.AliveOnHost)));
    }

    [TestCase(Paused, Host.Running, "pause", false)]
    [TestCase(Error, Host.Running, "destroy", true)]
    [TestCase(Error, Host.Paused, "destroy", true)]
    public void A_vm_that_contradicts_a_settled_row_is_made_to_match_it_and_the_row_stays(SandboxStatus db, Host host, string operation, bool destructive)
    {
        Assert.That(Plan(Row(db, Deadline.Ahead, updatedAgo: TimeSpan.FromSeconds(5)), host), Is.Empty, "a request may still be acting on a row changed moments ago");

        var enforce = (Enforce)Plan(Row(db, Deadline.Ahead, TimeSpan.FromMinutes(1)), host).Single();

        Assert.That((enforce.Operation.Name, enforce.Destructive), Is.EqualTo((operation, destructive)));
    }

    [TestCase(Starting, Host.Absent, "create")]
    [TestCase(Pausing, Host.Running, "pause")]
    [TestCase(Resuming, Host.Paused, "resume")]
    [TestCase(Stopping, Host.Running, "destroy")]
    public void A_host_still_showing_the_old_state_is_re_driven_only_after_the_deadline(SandboxStatus db, Host host, string operation)
    {
        Assert.That(Plan(Row(db, Deadline.Ahead, TimeSpan.FromMinutes(1)), host), Is.Empty, "before the deadline the operation may still be running");

        var redrive = (Redrive)Plan(Row(db, Deadline.Passed, TimeSpan.FromMinutes(1)), host).Single();

        Assert.That(redrive.Operation.Name, Is.EqualTo(operation));
    }

    [Test]
    public void A_vm_the_database_does_not_know_on_this_host_is_an_orphan()
    {
        var known = Row(Running, Deadline.Ahead, TimeSpan.FromMinutes(1));
        var reply = Reply((known.Id.ToString(), SandboxState.Running), ("unknown-vm", SandboxState.Running));

        var decisions = SettlePlanner.Plan([known], reply, Now, Grace);

        Assert.That(decisions, Is.EqualTo(new Decision[] { new Orphan("unknown-vm") }));
    }

    [Test]
    public void A_state_the_host_reports_that_is_not_known_here_decides_nothing()
    {
        var row = Row(Missing, Deadline.Ahead, TimeSpan.FromMinutes(1));

        Assert.That(SettlePlanner.Plan([row], Reply((row.Id.ToString(), SandboxState.Unspecified)), Now, Grace), Is.Empty);
    }

    [Test]
    public void A_host_holding_another_deadline_for_a_running_sandbox_is_told_the_rows()
    {
        var row = Row(Running, Deadline.Ahead, updatedAgo: TimeSpan.FromMinutes(1)) with { ExpiresAt = Now.AddMinutes(10) };
        var reply = new ListSandboxesReply();
        reply.Sandboxes.Add(new SandboxInfo { SandboxId = row.Id.ToString(), State = SandboxState.Running, ExpiresAtUnixMs = new DateTimeOffset(Now.AddSeconds(5)).ToUnixTimeMilliseconds() });

        Assert.That(SettlePlanner.Plan([row], reply, Now, Grace).Single(), Is.EqualTo(new SyncDeadline(row)));

        reply.Sandboxes[0].ExpiresAtUnixMs = new DateTimeOffset(Now.AddMinutes(10)).ToUnixTimeMilliseconds();
        Assert.That(SettlePlanner.Plan([row], reply, Now, Grace), Is.Empty, "the same deadline: nothing to do");
    }

    [TestCase(Host.Paused, EventTypes.AutoPaused, Reasons.Timeout)]
    [TestCase(Host.Absent, EventTypes.Exited, Reasons.Timeout)]
    public void A_pause_or_exit_found_after_the_expiry_is_named_timeout(Host host, string type, string reason)
    {
        var row = Row(Running, Deadline.Ahead, updatedAgo: TimeSpan.FromMinutes(1)) with { ExpiresAt = Now.AddSeconds(-1) };

        var transit = (Transit)Plan(row, host).Single();

        Assert.That((transit.EventType, transit.Reason), Is.EqualTo((type, reason)));
    }

    [Test]
    public void A_paused_sandbox_gone_after_its_lifetime_ended_exited_for_max_lifetime()
    {
        var row = Row(Paused, Deadline.Ahead, updatedAgo: TimeSpan.FromMinutes(1)) with { LifetimeEndsAt = Now.AddSeconds(-1) };

        var transit = (Transit)Plan(row, Host.Absent).Single();

        Assert.That((transit.EventType, transit.Reason), Is.EqualTo((EventTypes.Exited, Reasons.MaxLifetime)));
    }

    private static List<Decision> Plan(HostedSandbox row, Host host)
    {
        var id = row.Id.ToString();
        var reply = host switch
        {
            Host.Running => Reply((id, SandboxState.Running)),
            Host.Paused => Reply((id, SandboxState.Paused)),
            _ => Reply(),
        };
        if (host == Host.SnapshotStoredOffHost)
        {
            reply.StoredSnapshotIds.Add(id);
        }
        if (host == Host.AbsentButAutoPaused)
        {
            reply.AutoPausedIds.Add(id);
        }
        return SettlePlanner.Plan([row], reply, Now, Grace);
    }

    private static ListSandboxesReply Reply(params (string Id, SandboxState State)[] sandboxes)
    {
        var reply = new ListSandboxesReply();
        reply.Sandboxes.AddRange(sandboxes.Select(s => new SandboxInfo { SandboxId = s.Id, State = s.State }));
        return reply;
    }

    private static HostedSandbox Row(SandboxStatus status, Deadline deadline, TimeSpan updatedAgo, SandboxStatus? lostFrom = null) => new(
        Guid.CreateVersion7(), Guid.CreateVersion7(), Guid.CreateVersion7(), status, 3,
        deadline == Deadline.Passed ? Now.AddSeconds(-1) : Now.AddMinutes(1), Now - updatedAgo,
        lostFrom ?? (status == Missing ? Running : null));
}
