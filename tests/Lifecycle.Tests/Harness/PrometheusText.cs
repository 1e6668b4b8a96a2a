using System.Globalization;
using System.Text.RegularExpressions;

namespace Lifecycle.Tests;

/// <summary>Reads samples out of a Prometheus text exposition, as a scraper would.</summary>
public static partial class PrometheusText
{
    /// <summary>Every sample of <paramref name="metric"/> whose labels include all of <paramref name="labels"/>.</summary>
    public static IReadOnlyList<double> Samples(string body, string metric, params (string Name, string Value)[] labels) =>
    [
        .. body.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == metric)
            .Where(m => labels.All(l => m.Groups["labels"].Value.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            .Select(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)),
    ];

    /// <summary>The one sample of <paramref name="metric"/> with these labels; fails when there is none or more than one.</summary>
    public static double Single(string body, string metric, params (string Name, string Value)[] labels)
    {
        var samples = Samples(body, metric, labels);
        return samples.Count == 1
            ? samples[0]
            : throw new AssertionException($"expected one sample of {metric} with {string.Join(", ", labels)}, found {samples.Count}:\n{body}");
    }

    // Label values are quoted and may hold braces (a partition's stream key has its hash tag in them).
    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>(?:[^""}]|""(?:[^""\\]|\\.)*"")*)\})?\s+(?<value>\S+)")]
    private static partial Regex Sample();
}
