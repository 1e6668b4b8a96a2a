using System.Globalization;
using System.Text;
using Lifecycle.Contract.Text;

namespace Lifecycle.Bench.Chaos;

/// <summary>A soak's results: the fault timeline, answers, events, and each invariant with its count.</summary>
public sealed record ChaosSection(
    ChaosSettings Run,
    string OutputDir,
    IReadOnlyList<FaultRecord> FaultTimeline,
    IReadOnlyDictionary<string, int> RequestsByAnswer,
    IReadOnlyDictionary<string, int> AcceptedByOperation,
    int AcceptedSandboxes,
    int SettledSandboxes,
    EventCounts Events,
    IReadOnlyList<InvariantResult> Invariants,
    double SettleSeconds,
    IReadOnlyDictionary<string, int> ExpiriesBy) : IResultSection
{
    public string Title => "Soak under faults (make chaos)";

    public string Settings => Run.Describe();

    public string Reproduce =>
        string.Create(CultureInfo.InvariantCulture,
            $"make chaos {(Run.Topology == ChaosTopology.Cluster ? "TOPOLOGY=cluster " : "")}DURATION={Durations.Format(Run.Duration)} SEED={Run.Seed} RATE={Run.Rate}");

    public bool Passed => Invariants.All(i => i.Holds);

    public void WriteBody(StringBuilder md)
    {
        md.AppendLine(CultureInfo.InvariantCulture, $"Run folder (requests.jsonl, faults.jsonl, processes.log): `{OutputDir}`");
        md.AppendLine();
        md.AppendLine("## Invariants");
        md.AppendLine();
        md.AppendLine("| # | invariant | checked | violations |");
        md.AppendLine("|---|---|---:|---:|");
        foreach (var i in Invariants)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {i.Number} | {i.Name} | {i.Checked:N0} | {i.Violations.Count} |");
        }
        foreach (var i in Invariants.Where(i => !i.Holds))
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"### Invariant {i.Number}: first violations ({i.Violations.Count} in all)");
            md.AppendLine();
            md.AppendLine("```");
            foreach (var v in i.Violations.Take(5))
            {
                md.AppendLine(v);
            }
            md.AppendLine("```");
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Settled {SettleSeconds:F1} s after load and faults stopped.");
        md.AppendLine();
        md.AppendLine("## Requests by answer");
        md.AppendLine();
        md.AppendLine("| answer | count |");
        md.AppendLine("|---|---:|");
        foreach (var (answer, count) in RequestsByAnswer.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"| {answer} | {count:N0} |");
        }
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Accepted (202): {string.Join(", ", AcceptedByOperation.Select(p => $"{p.Key} {p.Value:N0}"))}; {AcceptedSandboxes:N0} sandboxes had an accepted request, {SettledSandboxes:N0} of them ended stable.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Expiries acted on (time to live or lifetime), by who made the one transition: {(ExpiriesBy.Count == 0 ? "none" : string.Join(", ", ExpiriesBy.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value:N0}")))}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Events on the stream: {Events.Published:N0} — applied {Events.Applied:N0}, stale {Events.Stale:N0}, dead-lettered {Events.DeadLettered:N0}, none of those {Events.Lost:N0}; history rows {Events.HistoryRows:N0}.");
        if (Run.Topology == ChaosTopology.Cluster)
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture,
                $"Taken off the streams by master failovers: {Events.GoneAfterApplied + Events.LostInFailover:N0} entries seen during the run — {Events.GoneAfterApplied:N0} applied (or stale) before, {Events.LostInFailover:N0} lost before they were applied, each of whose sandboxes the HostMonitor settled.");
        }
        md.AppendLine();
        md.AppendLine("## Fault timeline");
        md.AppendLine();
        md.AppendLine("| at | fault | target | what | requests accepted again after | slowest answer | backlog drained after |");
        md.AppendLine("|---:|---|---|---|---:|---:|---:|");
        foreach (var f in FaultTimeline)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {f.StartedMs / 1000:F1} s | {f.Kind} | {f.Target} | {f.Detail} | {Seconds(f.RecoveredAfterMs)} | {Seconds(f.SlowestAnswerMs)} | {Seconds(f.DrainedAfterMs)} |");
        }
    }

    private static string Seconds(double? ms) => ms is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v / 1000:F1} s") : "-";

    public string Verdict() => Passed
        ? string.Create(CultureInfo.InvariantCulture, $"PASS: every invariant held (seed {Run.Seed}, {FaultTimeline.Count} faults).")
        : string.Create(CultureInfo.InvariantCulture,
            $"FAIL (seed {Run.Seed}): invariant {Invariants.First(i => !i.Holds).Number} — {Invariants.First(i => !i.Holds).Name}; violated: {string.Join(", ", Invariants.Where(i => !i.Holds).Select(i => $"{i.Number} ({i.Violations.Count})"))}");
}
