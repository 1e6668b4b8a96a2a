using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;
using static System.FormattableString;

namespace Lifecycle.Cli.Rendering;

/// <summary>Durations as people type and read them: <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>.</summary>
public static partial class Durations
{
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = TimeSpan.Zero;
        var match = Pattern().Match(text.Trim());
        if (!match.Success || text.Trim().Length == 0)
        {
            // hh:mm:ss too, but never a bare number: TimeSpan would read "5" as five days.
            return text.Contains(':', StringComparison.Ordinal)
                && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration >= TimeSpan.Zero;
        }
        foreach (Capture part in match.Groups["part"].Captures)
        {
            var unitAt = part.Value.IndexOfAny(['d', 'h', 'm', 's']);
            var amount = double.Parse(part.Value.AsSpan(0, unitAt), CultureInfo.InvariantCulture);
            duration += part.Value[unitAt..] switch
            {
                "d" => TimeSpan.FromDays(amount),
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "s" => TimeSpan.FromSeconds(amount),
                _ => TimeSpan.FromMilliseconds(amount),
            };
        }
        return true;
    }

    /// <summary>For <c>Option.CustomParser</c>: the duration, or a parse error that names the option.</summary>
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (TryParse(text, out var duration))
        {
            return duration;
        }
        result.AddError($"'{text}' is not a duration; write it like 90s, 5m, 1h30m or 2d");
        return TimeSpan.Zero;
    }

    /// <summary>The two largest units: <c>850ms</c>, <c>12s</c>, <c>3m12s</c>, <c>2h05m</c>, <c>4d03h</c>.</summary>
    public static string Format(TimeSpan span)
    {
        span = span < TimeSpan.Zero ? TimeSpan.Zero : span;
        return span switch
        {
            { TotalSeconds: < 1, Ticks: > 0 } => Invariant($"{(int)span.TotalMilliseconds}ms"),
            { TotalMinutes: < 1 } => Invariant($"{(int)span.TotalSeconds}s"),
            { TotalHours: < 1 } => Invariant($"{(int)span.TotalMinutes}m{span.Seconds:00}s"),
            { TotalDays: < 1 } => Invariant($"{(int)span.TotalHours}h{span.Minutes:00}m"),
            _ => Invariant($"{(int)span.TotalDays}d{span.Hours:00}h"),
        };
    }

    public static string Format(long milliseconds) => Format(TimeSpan.FromMilliseconds(milliseconds));

    [GeneratedRegex(@"^(?<part>\d+(\.\d+)?(ms|d|h|m|s))+$")]
    private static partial Regex Pattern();
}
