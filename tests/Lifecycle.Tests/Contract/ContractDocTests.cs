using System.Text.RegularExpressions;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.Tests.Contract;

/// <summary>
/// docs/contract.md says what the contract assembly holds: its tables are read back and compared with the code's, so a change to
/// either that the other does not follow fails here.
/// </summary>
public sealed partial class ContractDocTests
{
    private const string NewRow = "(new row)";

    private static readonly Dictionary<Emitter, string> EmitterNames = new()
    {
        [Emitter.Api] = "API",
        [Emitter.BackgroundOperation] = "background operation",
        [Emitter.HostOrHostMonitor] = "host report or reconciler",
        [Emitter.HostMonitor] = "reconciler",
    };

    private static readonly Dictionary<HostEmitter, string> HostEmitterNames = new()
    {
        [HostEmitter.Operator] = "operator",
        [HostEmitter.Host] = "host",
        [HostEmitter.HostMonitor] = "HostMonitor",
    };

    private static readonly Lazy<string[]> Lines = new(() =>
        File.ReadAllLines(Path.Combine(LocalServers.RepositoryRoot(), "docs", "contract.md")));

    [Test]
    public void The_sandbox_transition_table_lists_exactly_the_rows_of_the_contract_table()
    {
        var documented = Table("## Sandbox transitions").Select(row => Row(row[0], row[1], row[2], row[3]));
        var core = TransitionTable.Rows.Select(row => Row(row.EventType,
            string.Join(", ", row.From.Select(s => s.ToWire())), string.Join(", ", row.To.Select(s => s.ToWire())),
            EmitterNames[row.EmittedBy]));

        Assert.That(documented, Is.EquivalentTo(core));
    }

    [Test]
    public void The_stop_reason_table_lists_exactly_the_rules_of_the_contract_table_in_order()
    {
        var documented = Table("## Stop reasons").Select(row => string.Join(" | ", row[0], row[1], row[2], row[3], row[4], row[5]));
        var core = StopReasons.Rules.Select(rule => string.Join(" | ", rule.EventType, rule.From.ToWire() ?? "", rule.To.ToWire(),
            rule.Reason ?? "", rule.Yields?.ToWire() ?? "(of the row)", rule.Otherwise.ToWire()));

        Assert.That(documented, Is.EqualTo(core));
    }

    [Test]
    public void The_host_transition_table_lists_exactly_the_rows_of_the_contract_host_table()
    {
        var documented = Table("## Host transitions").Select(row => Row(row[0], row[1], row[2], row[3]));
        var core = HostTransitionTable.Rows.Select(row => Row(row.EventType,
            string.Join(", ", row.From.Select(s => s.ToWire())), row.To.ToWire(), HostEmitterNames[row.EmittedBy]));

        Assert.That(documented, Is.EquivalentTo(core));
    }

    [Test]
    public void The_state_event_fields_are_exactly_the_stream_fields_in_wire_order()
    {
        var sample = new StateEvent(Guid.CreateVersion7(), EventTypes.CreateRequested, Guid.CreateVersion7(), Guid.CreateVersion7(),
            null, null, SandboxStatus.Starting, 0, Actors.Operation, null, null, DateTimeOffset.UnixEpoch);
        var onTheWire = StreamEvents.Encode(sample).Select(field => field.Name.ToString());

        Assert.That(Table("### State event fields").Select(row => row[0]), Is.EqualTo(onTheWire));
    }

    [Test]
    public void The_reason_codes_are_exactly_the_contract_closed_set()
    {
        var core = typeof(Reasons).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(field => field.IsLiteral).Select(field => (string)field.GetRawConstantValue()!);

        Assert.That(Table("### Reason codes").Select(row => row[0]), Is.EquivalentTo(core));
    }

    [Test]
    public void The_dead_letter_fields_are_exactly_the_ones_a_letter_adds()
    {
        string[] added = [DeadLetters.ReasonField, DeadLetters.SourceIdField, DeadLetters.ConsumerField, DeadLetters.DeliveriesField];

        Assert.That(Table("### Dead letters").Select(row => row[0]), Is.EqualTo(added));
    }

    [Test]
    public void The_sandbox_states_are_the_contract_statuses_with_the_transient_and_unsettled_ones_marked()
    {
        var rows = Table("## Sandbox states");

        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(row => row[0]), Is.EquivalentTo(SandboxStatuses.WireNames));
            Assert.That(rows.Where(row => row[1] == "transient").Select(row => row[0]),
                Is.EquivalentTo(SandboxStatuses.Transient.Select(s => s.ToWire())));
            Assert.That(rows.Where(row => row[1] != "settled").Select(row => row[0]),
                Is.EquivalentTo(SandboxStatuses.Unsettled.Select(s => s.ToWire())));
        });
    }

    [Test]
    public void The_host_states_are_the_contract_host_statuses_with_the_ones_that_take_sandboxes_marked()
    {
        var rows = Table("## Host states");

        Assert.Multiple(() =>
        {
            Assert.That(rows.Select(row => row[0]), Is.EquivalentTo(HostStatuses.All.Select(s => s.ToWire())));
            Assert.That(rows.Where(row => row[1] == "yes").Select(row => row[0]),
                Is.EquivalentTo(HostStatuses.All.Where(s => s.TakesPlacements()).Select(s => s.ToWire())));
        });
    }

    /// <summary>One row as text, its sets sorted, so the doc may list a set in any order.</summary>
    private static string Row(string type, string from, string to, string emitter) =>
        $"{type} | {Sorted(from == NewRow ? "" : from)} -> {Sorted(to)} | {emitter}";

    private static string Sorted(string set) =>
        string.Join(", ", set.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

    /// <summary>
    /// The body rows of the first table under <paramref name="heading"/> (before the next heading of any
    /// level), each as its cells with code marks and surrounding spaces removed.
    /// </summary>
    private static List<string[]> Table(string heading)
    {
        var start = Array.IndexOf(Lines.Value, heading);
        Assert.That(start, Is.Not.Negative, $"docs/contract.md has no heading '{heading}'");
        var table = Lines.Value.Skip(start + 1)
            .TakeWhile(line => !line.StartsWith('#'))
            .SkipWhile(line => !line.StartsWith('|'))
            .TakeWhile(line => line.StartsWith('|'))
            .ToList();
        Assert.That(table, Has.Count.GreaterThan(2), $"no table under '{heading}' in docs/contract.md");
        return [.. table.Skip(2).Select(Cells)];
    }

    private static string[] Cells(string line) =>
        [.. CellBorder().Split(line.Trim().Trim('|')).Select(cell => cell.Replace("`", "", StringComparison.Ordinal).Trim())];

    // A pipe escaped inside a cell (`pause\|destroy`) does not end it.
    [GeneratedRegex(@"(?<!\\)\|")]
    private static partial Regex CellBorder();
}
