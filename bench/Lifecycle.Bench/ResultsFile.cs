using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Lifecycle.Bench;

/// <summary>Writes <c>bench/results/&lt;date&gt;-&lt;machine&gt;-&lt;part&gt;.md</c> and <c>.json</c>.</summary>
public static class ResultsFile
{
    public static string Write(string part, Machine machine, IReadOnlyDictionary<string, string> versions, IResultSection section)
    {
        var folder = Path.Combine(LocalServers.RepositoryRoot(), "bench", "results");
        Directory.CreateDirectory(folder);
        var date = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var path = Path.Combine(folder, $"{date}-{machine.Name}-{part}");

        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"# {section.Title} — {date}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- machine: `{machine.Name}`, {machine.Cores} cores, {machine.Cpu}, {machine.Memory}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- {machine.Os}, {machine.Runtime}");
        foreach (var (name, version) in versions)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {name}: {version}");
        }
        md.AppendLine(CultureInfo.InvariantCulture, $"- settings: {section.Settings}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- reproduce: `{section.Reproduce}`");
        md.AppendLine();
        section.WriteBody(md);
        md.AppendLine();
        md.AppendLine(section.Verdict());
        File.WriteAllText(path + ".md", md.ToString());
        File.WriteAllText(path + ".json", JsonSerializer.Serialize(new { date, machine, versions, section = (object)section }, new JsonSerializerOptions { WriteIndented = true }));
        return path + ".md";
    }

    /// <summary>A table row of median, min and max.</summary>
    public static void Row(StringBuilder md, string name, Stats stats, string format = "N0") =>
        md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {stats.Median.ToString(format, CultureInfo.InvariantCulture)} | {stats.Min.ToString(format, CultureInfo.InvariantCulture)} | {stats.Max.ToString(format, CultureInfo.InvariantCulture)} |");
}
