using System.CommandLine.Parsing;
using Lifecycle.Contract.Text;

namespace Lifecycle.Cli.Rendering;

/// <summary>Duration flags (<c>--older-than 5m</c>) for System.CommandLine.</summary>
public static class DurationOption
{
    /// <summary>For <c>Option.CustomParser</c>: the duration, or a parse error that names the option.</summary>
    public static TimeSpan Parse(ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "";
        if (Durations.TryParse(text, out var duration))
        {
            return duration;
        }
        result.AddError($"'{text}' is not a duration; write it like 90s, 5m, 1h30m or 2d");
        return TimeSpan.Zero;
    }
}
