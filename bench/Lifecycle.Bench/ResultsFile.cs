using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Lifecycle.Bench;

/// <summary>Writes <c>bench/results/&lt;date&gt;-&lt;machine&gt;-&lt;part&gt;.md</c> and <c>.json</c>.</summary>
public static class ResultsFile
{
    public static string Write(string part, Machine machine, BenchSettings settings, IReadOnlyDictionary<string, string> versions, ConsumerBench.Section consumer)
    {
        var folder = Path.Combine(LocalServers.RepositoryRoot(), "bench", "results");
        Directory.CreateDirectory(folder);
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var path = Path.Combine(folder, $"{date}-{machine.Name}-{part}");

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {consumer.Title} — {date}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- machine: `{machine.Name}`, {machine.Cores} cores, {machine.Cpu}, {machine.Memory}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- {machine.Os}, {machine.Runtime}");
        foreach (var (name, version) in versions)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {version}");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"- settings: {consumer.Events:N0} events over {settings.Sandboxes:N0} sandboxes (4 each, round by round), batch {settings.BatchSize}, {settings.Repeats} runs each after one warm-up run, Redis (AOF, fsync every second) and Postgres (production durability: fsync and synchronous_commit on) on the same machine");
        md.AppendLine("- reproduce: `make bench-consumer`");
        md.AppendLine();
        md.AppendLine("| measure | median | min | max |");
        md.AppendLine("|---|---:|---:|---:|");
        Row(md, "baseline: single-row conditional UPDATE per transaction, 16 clients (rows/s)", consumer.SingleRowPerSecond);
        Row(md, $"baseline: set-based UPDATE + history INSERT alone, {settings.BatchSize} per statement (events/s)", consumer.SetBasedPerSecond);
        Row(md, "drain to zero pending, 1 consumer process (events/s)", consumer.OneConsumerPerSecond);
        Row(md, "drain to zero pending, 2 consumer processes (events/s)", consumer.TwoConsumersPerSecond);
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| idle-to-applied latency of one event (ms) | {consumer.IdleLatencyMs.Median:F1} | {consumer.IdleLatencyMs.Min:F1} | {consumer.IdleLatencyMs.Max:F1} (p99 {consumer.IdleLatencyP99Ms:F1}) |");
        md.AppendLine();
        md.AppendLine("Ratios of medians, measured in the same run:");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- 1 consumer / single-row baseline: **{consumer.OneConsumerRatio:F1}x**");
        md.AppendLine(CultureInfo.InvariantCulture, $"- 2 consumers / single-row baseline: **{consumer.TwoConsumersRatio:F1}x**");
        md.AppendLine(CultureInfo.InvariantCulture, $"- set-based statement alone / single-row baseline: {consumer.SetBasedPerSecond.Median / consumer.SingleRowPerSecond.Median:F1}x (the ceiling for any consumer using it)");
        md.AppendLine(CultureInfo.InvariantCulture, $"- 1 consumer / set-based baseline: {consumer.OneConsumerPerSecond.Median / consumer.SetBasedPerSecond.Median:P0}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- 2 consumers / set-based baseline: {consumer.TwoConsumersPerSecond.Median / consumer.SetBasedPerSecond.Median:P0}");
        md.AppendLine();
        md.AppendLine(consumer.Verdict());
        File.WriteAllText(path + ".md", md.ToString());
        File.WriteAllText(path + ".json", JsonSerializer.Serialize(new { date, machine, versions, settings, consumer }, new JsonSerializerOptions { WriteIndented = true }));
        return path + ".md";
    }

    private static void Row(StringBuilder md, string name, Stats stats) =>
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {stats.Median:N0} | {stats.Min:N0} | {stats.Max:N0} |");
}
