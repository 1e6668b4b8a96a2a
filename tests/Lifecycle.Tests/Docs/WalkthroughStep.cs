using System.Text.RegularExpressions;

namespace Lifecycle.Tests.Docs;

/// <summary>
/// One command of a README block, as written (continuation lines included), and the answer its comment
/// gives: the comment after it on its last line, and comment lines right below it.
/// </summary>
/// <param name="Line">The README line the command starts on, for failure messages.</param>
public sealed partial record WalkthroughStep(int Line, string Command, string Answer)
{
    /// <summary>The HTTP status the answer starts with (<c># 202 …</c>), if any.</summary>
    public int? Status => LeadingStatus().Match(Answer) is { Success: true } match ? int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>
    /// What the output must contain: every JSON member the answer shows (<c>"status":"paused"</c>) and
    /// every text in backticks; <c>…</c> inside one stands for anything. A backticked header
    /// (<c>`Location: …`</c>) is a line of the output whose name matches in any case, as HTTP's names do
    /// (a balancer such as HAProxy sends them in lower case).
    /// </summary>
    public IReadOnlyList<(string Shown, Regex Pattern)> Fragments =>
    [
        .. JsonMember().Matches(Answer).Select(m => (m.Value, new Regex(Json(m.Groups[1].Value, m.Groups[2].Value)))),
        .. Backticked().Matches(Answer).Select(m => (m.Value, Text(m.Groups[1].Value))),
    ];

    private static string Json(string key, string value) =>
        Regex.Escape($"\"{key}\":") + (value.StartsWith('"') ? Wildcards(value, "[^\"]*") : Regex.Escape(value) + @"(?![\d.])");

    private static Regex Text(string text) => HeaderLine().Match(text) is { Success: true } header
        ? new Regex($"^(?i:{Regex.Escape(header.Groups[1].Value)}): {Wildcards(header.Groups[2].Value, ".*?")}", RegexOptions.Multiline)
        : new Regex(Wildcards(text, ".*?"), RegexOptions.Singleline);

    private static string Wildcards(string text, string anything) => string.Join(anything, text.Split('…').Select(Regex.Escape));

    [GeneratedRegex(@"^\s*(\d{3})\b")]
    private static partial Regex LeadingStatus();

    [GeneratedRegex("\"([a-z_]+)\":(\"(?:[^\"\\\\]|\\\\.)*\"|-?\\d+(?:\\.\\d+)?|true|false|null)")]
    private static partial Regex JsonMember();

    [GeneratedRegex("^([A-Z][A-Za-z0-9-]*): (.+)$")]
    private static partial Regex HeaderLine();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();
}
