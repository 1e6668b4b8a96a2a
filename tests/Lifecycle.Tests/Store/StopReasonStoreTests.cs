using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Store;

/// <summary>
/// Every path of the transition table into paused, stopped or error, applied by the one compare-and-set against a
/// real Postgres: the row and its history row say why, and the row says nothing once the sandbox is active again.
/// Each case is a chain of events from a new <c>starting</c> sandbox, written <c>type:to[:reason]</c>; the last one is
/// the path checked.
/// </summary>
public sealed class StopReasonStoreTests
{
    private TestDatabase _database = null!;
    private SandboxStore _store = null!;
    private TransitionHistoryStore _history = null!;
    private Guid _teamId;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _store = new SandboxStore(_database.DataSource);
        _history = new TransitionHistoryStore(_database.DataSource);
        (_teamId, _) = await TestData.TeamAndHostAsync(_database, "stop-reasons", "stop-reasons-key");
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _database.DisposeAsync();

    private const string Run = "create.succeeded:running";

    [TestCase("create.failed:error:host_rpc_failed", "create_failed")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused", "requested")]
    [TestCase($"{Run}, pause.requested:pausing:timeout, pause.succeeded:paused:timeout", "timeout")]
    [TestCase($"{Run}, pause.requested:pausing:drained, pause.succeeded:paused:drained", "drained")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, resume.requested:resuming, resume.failed:paused:host_rpc_failed", "resume_failed")]
    [TestCase($"{Run}, destroy.requested:stopping, destroy.succeeded:stopped", "requested")]
    [TestCase($"{Run}, destroy.requested:stopping:timeout, destroy.succeeded:stopped:timeout", "timeout")]
    [TestCase($"{Run}, destroy.requested:stopping:max_lifetime, destroy.succeeded:stopped:max_lifetime", "max_lifetime")]
    [TestCase($"{Run}, destroy.requested:stopping:drained, destroy.succeeded:stopped:drained", "drained")]
    [TestCase($"{Run}, destroy.requested:stopping, destroy.failed:error:host_rpc_failed", "destroy_failed")]
    [TestCase($"{Run}, auto_paused:paused:idle", "idle")]
    [TestCase($"{Run}, auto_paused:paused:timeout", "timeout")]
    [TestCase($"{Run}, pause.requested:pausing, auto_paused:paused:timeout", "timeout")]
    [TestCase($"{Run}, exited:stopped:crashed", "host_exited")]
    [TestCase($"{Run}, exited:stopped:timeout", "timeout")]
    [TestCase($"{Run}, pause.requested:pausing, exited:stopped:crashed", "host_exited")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, resume.requested:resuming, exited:stopped:crashed", "host_exited")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, exited:stopped:max_lifetime", "max_lifetime")]
    [TestCase($"{Run}, pause.requested:pausing:timeout, pause.succeeded:paused:timeout, lost:missing:host_unreachable, found:paused:alive_on_host", "timeout")]
    [TestCase($"{Run}, lost:missing:host_unreachable, found:paused:alive_on_host", "idle")]
    [TestCase($"{Run}, lost:missing:host_unreachable, vanished:stopped:absent_on_host", "vanished")]
    [TestCase($"{Run}, lost:missing:host_decommissioned, vanished:stopped:host_decommissioned", "decommissioned")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, vanished:stopped:snapshot_gone", "vanished")]
    [TestCase("settled:paused:host_shows_outcome", "idle")]
    [TestCase("settled:stopped:absent_on_host", "vanished")]
    [TestCase("settled:error", "timed_out")]
    [TestCase($"{Run}, pause.requested:pausing:timeout, settled:paused:redriven", "timeout")]
    [TestCase($"{Run}, pause.requested:pausing, settled:stopped:absent_on_host", "vanished")]
    [TestCase($"{Run}, pause.requested:pausing, timed_out:error:deadline_passed", "timed_out")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, resume.requested:resuming, settled:paused:host_shows_outcome", "resume_failed")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, resume.requested:resuming, settled:stopped:absent_on_host", "vanished")]
    [TestCase($"{Run}, destroy.requested:stopping:max_lifetime, settled:stopped:absent_on_host", "max_lifetime")]
    [TestCase($"{Run}, destroy.requested:stopping:drained, lost:missing:host_unreachable, found:stopping:resumes_operation, settled:stopped:redriven", "drained")]
    [TestCase($"{Run}, destroy.requested:stopping, timed_out:error:deadline_passed", "timed_out")]
    [TestCase("timed_out:error:deadline_passed", "timed_out")]
    public async Task A_path_into_a_stopped_status_records_why_on_the_row_and_in_its_history(string chain, string expected)
    {
        var row = await ApplyChainAsync(chain);

        var history = await _history.ForSandboxAsync(row.Id, CancellationToken.None);
        Assert.That((row.StopReason, history[^1].StopReason), Is.EqualTo((expected, expected)));
    }

    [TestCase($"{Run}")]
    [TestCase($"{Run}, pause.requested:pausing:timeout, pause.succeeded:paused:timeout, resume.requested:resuming")]
    [TestCase($"{Run}, pause.requested:pausing:timeout, pause.succeeded:paused:timeout, resume.requested:resuming, resume.succeeded:running")]
    [TestCase($"{Run}, pause.requested:pausing, pause.succeeded:paused, destroy.requested:stopping")]
    public async Task An_active_or_transient_sandbox_has_no_stop_reason(string chain)
    {
        var row = await ApplyChainAsync(chain);

        Assert.That(row.StopReason, Is.Null);
    }

    [Test]
    public async Task A_lost_sandbox_keeps_the_stop_reason_it_had()
    {
        var row = await ApplyChainAsync($"{Run}, auto_paused:paused:timeout, lost:missing:host_unreachable");

        Assert.That((row.Status, row.StopReason), Is.EqualTo((SandboxStatus.Missing, "timeout")));
    }

    private async Task<SandboxRow> ApplyChainAsync(string chain)
    {
        var row = await TestData.CreateStartingAsync(_store, _teamId);
        foreach (var step in chain.Split(',', StringSplitOptions.TrimEntries))
        {
            var parts = step.Split(':');
            var type = $"sandbox.{parts[0]}";
            var to = SandboxStatuses.Parse(parts[1]);
            var reason = parts.Length > 2 ? parts[2] : null;
            Assert.That(TransitionTable.Allows(type, row.Status, to), $"{type} {row.Status.ToWire()} -> {parts[1]} is a row of the table");
            var stateEvent = new StateEvent(Guid.CreateVersion7(), type, row.Id, row.TeamId, row.HostId, row.Status, to, row.Version,
                Actors.Operation, reason, null, DateTimeOffset.UtcNow);
            row = await _store.TryTransitionAsync(stateEvent, null, CancellationToken.None)
                ?? throw new AssertionException($"{step} did not apply");
        }
        return row;
    }
}
