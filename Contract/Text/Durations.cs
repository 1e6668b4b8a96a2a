using System.Globalization;
using System.Text.RegularExpressions;
using static System.FormattableString;

namespace Lifecycle.Contract.Text;

/// <summary>
/// Durations as people type and read them: <c>90s</c>, <c>5m</c>, <c>1h30m</c>, <c>2d</c>, <c>500ms</c>.
/// Shared by <c>lifecyclectl</c> flags and API query parameters such as <c>wait?timeout=30s</c>.
/// </summary>
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
        try
        {
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
        catch (OverflowException)
        {
            // "99999999999d" is typed input too: refused, never thrown (an API query parameter would answer 500).
            duration = TimeSpan.Zero;
            return false;
        }
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
