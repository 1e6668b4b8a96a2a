using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Text;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Lifecycle.Cli.Rendering;

/// <summary>
/// Where a command writes: tables for people, or JSON (snake_case, like the API) with <c>--json</c>.
/// Tables have no borders, so <c>awk</c> and <c>grep</c> read them as well as people do.
/// </summary>
public sealed class Output
{
    private static readonly JsonSerializerOptions Indented = IndentedOptions();

    private static readonly JsonSerializerOptions OneLine = new(Indented) { WriteIndented = false };

    /// <summary>Names as the API writes them, and every time as it does (RFC 3339 UTC with milliseconds).</summary>
    private static JsonSerializerOptions IndentedOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            WriteIndented = true,
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
        };
        TimestampJsonConverters.AddTo(options);
        return options;
    }

    private readonly TextWriter _writer;
    private readonly bool _terminal;

    private readonly int? _width;

    /// <param name="width">Columns to fit tables into: the terminal's by default; none (never wrap) when captured.</param>
    public Output(TextWriter writer, bool json, int? width = null)
    {
        _writer = writer;
        Json = json;
        _terminal = writer == Console.Out && !Console.IsOutputRedirected;
        _width = width ?? (_terminal ? Console.WindowWidth : null);
    }

    public bool Json { get; }

    public void WriteJson<T>(T value) => _writer.WriteLine(JsonSerializer.Serialize(value, Indented));

    /// <summary>One compact JSON object per line (NDJSON), for streams of records such as <c>tail</c>.</summary>
    public void WriteJsonLine<T>(T value)
    {
        _writer.WriteLine(JsonSerializer.Serialize(value, OneLine));
        _writer.Flush();
    }

    public void Line(string text = "")
    {
        _writer.WriteLine(text);
        _writer.Flush();
    }

    /// <summary>A table whose cells are plain text (never markup: reasons and errors may hold brackets).</summary>
    public void Table(IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string?>> rows)
    {
        var cells = rows.Select(row => row.Select(cell => cell ?? "-").ToList()).ToList();
        var shown = TableFit.Columns(headers, cells, _width);
        var table = new Table().Border(TableBorder.None).HideRowSeparators();
        foreach (var column in shown)
        {
            table.AddColumn(new TableColumn(new Text(headers[column], new Style(decoration: Decoration.Bold))).PadLeft(0).PadRight(TableFit.Gap));
        }
        foreach (var row in cells)
        {
            table.AddRow(shown.Select(IRenderable (column) => new Text(row[column])));
        }
        // Rendered aside, so each line goes out without the padding Spectre gives the last column.
        using var rendered = new StringWriter();
        ConsoleOn(rendered).Write(table);
        foreach (var line in rendered.ToString().Split('\n'))
        {
            if (line.TrimEnd() is { Length: > 0 } text)
            {
                _writer.WriteLine(text);
            }
        }
        if (shown.Count < headers.Count)
        {
            var hidden = headers.Where((_, i) => !shown.Contains(i));
            _writer.WriteLine(TableFit.Note(hidden, _width ?? 0));
        }
        _writer.Flush();
    }

    private IAnsiConsole ConsoleOn(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = _terminal ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = _terminal ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        // Columns are already chosen to fit (TableFit), so no row is wrapped: an id broken across lines
        // cannot be copied, and scripts expect a line per row.
        console.Profile.Width = int.MaxValue / 2;
        return console;
    }
}
