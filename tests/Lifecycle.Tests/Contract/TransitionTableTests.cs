using Lifecycle.Contract.Sandboxes;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Tests.Contract;

/// <summary>The code's table (Contract/Sandboxes/TransitionTable) against the contract's, written out again here, for every (type, from) pair.</summary>
public sealed class TransitionTableTests
{
    private static readonly SandboxStatus[] Transient = [Starting, Pausing, Resuming, Stopping];

    // The contract's table (docs/contract.md, "Sandbox transitions"), independently of the code's.
    private static readonly Dictionary<string, (SandboxStatus[] From, SandboxStatus[] To)> Design = new()
    {
        [EventTypes.CreateRequested] = ([], [Starting]),
        [EventTypes.CreateSucceeded] = ([Starting], [Running]),
        [EventTypes.CreateFailed] = ([Starting], [Error]),
        [EventTypes.CreateRefused] = ([Starting], [Stopped]),
        [EventTypes.PauseRequested] = ([Running], [Pausing]),
        [EventTypes.PauseSucceeded] = ([Pausing], [Paused]),
        [EventTypes.PauseFailed] = ([Pausing], [Running]),
        [EventTypes.ResumeRequested] = ([Paused], [Resuming]),
        [EventTypes.ResumeSucceeded] = ([Resuming], [Running]),
        [EventTypes.ResumeFailed] = ([Resuming], [Paused]),
        [EventTypes.DestroyRequested] = ([Starting, Running, Pausing, Paused, Resuming, Error, Missing], [Stopping]),
        [EventTypes.DestroySucceeded] = ([Stopping], [Stopped]),
        [EventTypes.DestroyFailed] = ([Stopping], [Error]),
        [EventTypes.AutoPaused] = ([Running, Pausing], [Paused]),
        [EventTypes.Exited] = ([Running, Pausing, Resuming, Paused], [Stopped]),
        [EventTypes.Lost] = ([Running, Paused, Starting, Pausing, Resuming, Stopping], [Missing]),
        [EventTypes.Found] = ([Missing], [Running, Paused, Starting, Pausing, Resuming, Stopping]),
        [EventTypes.Vanished] = ([Missing, Paused], [Stopped]),
        [EventTypes.Settled] = (Transient, [Running, Paused, Stopped, Error]),
        [EventTypes.TimedOut] = (Transient, [Error]),
    };

    /// <summary>Every event type with every from-status, and null for "no row yet".</summary>
    public static IEnumerable<TestCaseData> EveryTypeAndFrom() =>
        from type in Design.Keys
        from status in Enum.GetValues<SandboxStatus>().Select(s => (SandboxStatus?)s).Append(null)
        select new TestCaseData(type, status).SetName($"{type} from {status?.ToWire() ?? "(new)"}");

    [TestCaseSource(nameof(EveryTypeAndFrom))]
    public void Allows_exactly_the_designed_targets(string type, SandboxStatus? from)
    {
        var (designFrom, designTo) = Design[type];
        var fromAllowed = from is { } f ? designFrom.Contains(f) : designFrom.Length == 0;
        var expected = Enum.GetValues<SandboxStatus>().Where(to => fromAllowed && designTo.Contains(to));
        var actual = Enum.GetValues<SandboxStatus>().Where(to => TransitionTable.Allows(type, from, to));
        Assert.That(actual, Is.EquivalentTo(expected));
    }

    [Test]
    public void Has_one_row_per_event_type_constant()
    {
        var constants = typeof(EventTypes).GetFields().Select(f => (string)f.GetValue(null)!);
        Assert.That(TransitionTable.Rows.Select(r => r.EventType), Is.EquivalentTo(constants));
        Assert.That(TransitionTable.Rows.Select(r => r.EventType), Is.EquivalentTo(Design.Keys));
    }

    [Test]
    public void Unknown_event_types_allow_nothing()
    {
        Assert.That(TransitionTable.Allows("sandbox.teleported", Running, Stopped), Is.False);
        Assert.That(TransitionTable.TryGet("sandbox.teleported", out _), Is.False);
    }

    [Test]
    public void Operations_take_their_statuses_from_the_table()
    {
        Assert.Multiple(() =>
        {
            Assert.That(SandboxOperation.Create.InProgress, Is.EqualTo(Starting));
            Assert.That(SandboxOperation.Create.OnSuccess, Is.EqualTo(Running));
            Assert.That(SandboxOperation.Create.OnFailure, Is.EqualTo(Error));
            Assert.That(SandboxOperation.Pause.InProgress, Is.EqualTo(Pausing));
            Assert.That(SandboxOperation.Pause.OnFailure, Is.EqualTo(Running));
            Assert.That(SandboxOperation.Resume.OnFailure, Is.EqualTo(Paused), "a failed resume keeps the snapshot");
            Assert.That(SandboxOperation.Destroy.InProgress, Is.EqualTo(Stopping));
            Assert.That(SandboxOperation.Destroy.OnSuccess, Is.EqualTo(Stopped));
        });
    }

    [Test]
    public void Destroy_is_possible_from_every_non_terminal_status_but_stopping()
    {
        var from = SandboxOperation.Destroy.Requested.From;
        Assert.That(from, Is.EquivalentTo(SandboxStatuses.NonTerminal.Where(s => s != Stopping)));
    }

    [Test]
    public void Status_names_parse_exactly()
    {
        Assert.That(SandboxStatuses.TryParse("running", out var running) && running == Running, Is.True);
        Assert.That(SandboxStatuses.TryParse("Running", out _), Is.False);
        Assert.That(SandboxStatuses.TryParse("1", out _), Is.False);
        Assert.That(SandboxStatuses.TryParse(null, out _), Is.False);
    }

    [TestCase(Running, Stopped, true)]
    [TestCase(Running, Paused, true)]
    [TestCase(Starting, Running, true)]
    [TestCase(Starting, Error, true)]
    [TestCase(Resuming, Paused, true)]
    [TestCase(Missing, Running, true)]
    [TestCase(Stopping, Stopped, true)]
    [TestCase(Error, Stopped, false)]
    [TestCase(Error, Running, false)]
    [TestCase(Paused, Stopping, false)]
    [TestCase(Stopping, Stopping, true)]
    [TestCase(Running, Starting, false)]
    [TestCase(Paused, Stopped, true)]
    [TestCase(Stopped, Running, false)]
    [TestCase(Stopped, Stopped, false)]
    public void A_wait_can_hope_only_for_a_status_that_rows_nobody_asks_for_lead_to(SandboxStatus from, SandboxStatus to, bool reachable)
    {
        Assert.That(TransitionTable.CanReachUnasked(from, to), Is.EqualTo(reachable));
    }
}
