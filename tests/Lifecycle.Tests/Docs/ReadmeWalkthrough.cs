using System.Text;
using System.Text.RegularExpressions;

namespace Lifecycle.Tests.Docs;

/// <summary>
/// The README's walk-through as steps to run and check. The README's convention (stated above its
/// blocks): in a <c>```sh</c> block, a command's comment gives its answer — a leading status code, the
/// JSON members and backticked texts its output shows — and a comment line right below a command
/// continues that command's answer; a comment after a blank line is prose.
/// </summary>
public static partial class ReadmeWalkthrough
{
    /// <summary>Every command of the <c>sh</c> blocks from the heading starting with <paramref name="from"/> to the next one starting with <paramref name="to"/>.</summary>
    public static IReadOnlyList<WalkthroughStep> Parse(string markdown, string from, string to)
    {
        var steps = new List<WalkthroughStep>();
        var (inSection, inBlock, continued, attached) = (false, false, false, false);
        StringBuilder? command = null, answer = null;
        var start = 0;
        void Finish()
        {
            if (command is not null)
            {
                steps.Add(new WalkthroughStep(start, command.ToString(), answer!.ToString().Trim()));
            }
            (command, answer) = (null, null);
        }

        var lines = markdown.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (!inBlock && line.StartsWith("## ", StringComparison.Ordinal))
            {
                inSection = line.StartsWith(from, StringComparison.Ordinal) || (inSection && !line.StartsWith(to, StringComparison.Ordinal));
                continue;
            }
            if (!inSection)
            {
                continue;
            }
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                Finish();
                inBlock = !inBlock && line == "```sh";
                (continued, attached) = (false, false);
                continue;
            }
            if (!inBlock)
            {
                continue;
            }
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0)
            {
                Finish();
                attached = false;
            }
            else if (trimmed.StartsWith('#'))
            {
                if (attached)
                {
                    answer!.Append(' ').Append(trimmed.TrimStart('#').Trim());
                }
            }
            else if (continued)
            {
                command!.Append('\n').Append(line);
                answer!.Append(' ').Append(CommentOf(line));
                continued = line.EndsWith('\\');
            }
            else
            {
                Finish();
                (command, answer, start) = (new StringBuilder(line), new StringBuilder(CommentOf(line)), i + 1);
                continued = line.EndsWith('\\');
                attached = true;
            }
        }
        Finish();
        return steps;
    }

    /// <summary>What is wrong with a step's output, given its exit status; empty when it gave the answer its comment promises.</summary>
    public static IReadOnlyList<string> Check(WalkthroughStep step, string output, int exitStatus)
    {
        var wrong = new List<string>();
        if (exitStatus != 0)
        {
            wrong.Add($"exited {exitStatus}");
        }
        if (step.Status is { } status)
        {
            var shown = StatusLine().Matches(output).LastOrDefault();
            if (shown is null)
            {
                wrong.Add($"the answer says {status}, but the output has no HTTP status line");
            }
            else if (shown.Groups[1].Value != status.ToString(System.Globalization.CultureInfo.InvariantCulture))
            {
                wrong.Add($"the answer says {status}, the output {shown.Groups[1].Value}");
            }
        }
        wrong.AddRange(step.Fragments.Where(f => !f.Pattern.IsMatch(output)).Select(f => $"the output lacks {f.Shown}"));
        return wrong;
    }

    /// <summary>The text of a trailing <c># comment</c> (a <c>#</c> after whitespace, outside quotes), or empty.</summary>
    private static string CommentOf(string line)
    {
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote is not null)
            {
                quote = c == quote ? null : quote;
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == '#' && i > 0 && char.IsWhiteSpace(line[i - 1]))
            {
                return line[(i + 1)..].Trim();
            }
        }
        return "";
    }

    [GeneratedRegex(@"^HTTP/[\d.]+ (\d{3})", RegexOptions.Multiline)]
    private static partial Regex StatusLine();
}
