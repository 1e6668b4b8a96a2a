namespace Lifecycle.Cli.Rendering;

/// <summary>
/// Which columns of a table fit a terminal's width. Rows are never wrapped or truncated, so an id is never
/// broken across lines: whole columns are left out from the right instead (commands put the id and the
/// most telling columns first), never the first.
/// </summary>
public static class TableFit
{
    /// <summary>Spaces between columns.</summary>
    public const int Gap = 2;

    public static IReadOnlyList<int> Columns(IReadOnlyList<string> headers, IReadOnlyList<IReadOnlyList<string>> rows, int? width)
    {
        var shown = Enumerable.Range(0, headers.Count).ToList();
        if (width is not { } limit)
        {
            return shown;
        }
        var widths = shown.Select(c => rows.Select(r => r[c].Length).Append(headers[c].Length).Max()).ToList();
        int Total() => shown.Sum(c => widths[c] + Gap) - Gap;
        for (var column = headers.Count - 1; column > 0 && Total() > limit; column--)
        {
            shown.Remove(column);
        }
        return shown;
    }

    /// <summary>A line saying which columns were left out, no wider than <paramref name="width"/> where it can be.</summary>
    public static string Note(IEnumerable<string> hidden, int width)
    {
        var names = hidden.ToList();
        var full = $"(left out to fit {width} columns: {string.Join(", ", names)}; --json shows all)";
        return full.Length <= width ? full : $"({names.Count} columns left out to fit; --json shows all)";
    }
}
