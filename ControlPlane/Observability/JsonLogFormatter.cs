using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// One flat JSON object per log entry: <c>time</c>, <c>level</c>, <c>category</c>, <c>message</c>, then
/// every named hole of the message and every scope value in snake_case at the top level, so
/// <c>jq 'select(.sandbox_id == "…")'</c> finds a sandbox's lines whoever wrote them, and
/// <c>trace_id</c> ties a request to the background operation it started. ASP.NET Core's own JSON
/// formatter nests these under <c>State</c> and <c>Scopes</c> with the template's PascalCase names;
/// this one exists for the flat, snake_case shape the stream and the API use.
/// </summary>
public sealed class JsonLogFormatter(IOptionsMonitor<ConsoleFormatterOptions> options) : ConsoleFormatter(Name)
{
    public new const string Name = "lifecycle-json";

    private const string OriginalFormat = "{OriginalFormat}";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("time", DateTimeOffset.UtcNow.ToString(options.CurrentValue.TimestampFormat ?? "O", CultureInfo.InvariantCulture));
            json.WriteString("level", logEntry.LogLevel.ToString().ToLowerInvariant());
            json.WriteString("category", logEntry.Category);
            json.WriteString("message", message);
            if (logEntry.Exception is { } exception)
            {
                json.WriteString("exception", exception.ToString());
            }
            var written = new HashSet<string>(StringComparer.Ordinal) { "time", "level", "category", "message", "exception" };
            if (logEntry.State is IEnumerable<KeyValuePair<string, object?>> state)
            {
                WriteFields(json, state, written);
            }
            // Scopes: a field the entry itself named wins over a scope's, and an inner scope's over an outer's (the
            // request id the API sets wins over the one the host's request scope took before it was set).
            var scopes = new List<IEnumerable<KeyValuePair<string, object?>>>();
            scopeProvider?.ForEachScope((scope, list) =>
            {
                if (scope is IEnumerable<KeyValuePair<string, object?>> fields)
                {
                    list.Add(fields);
                }
            }, scopes);
            for (var i = scopes.Count - 1; i >= 0; i--)
            {
                WriteFields(json, scopes[i], written);
            }
            json.WriteEndObject();
        }
        textWriter.WriteLine(Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    private static void WriteFields(Utf8JsonWriter json, IEnumerable<KeyValuePair<string, object?>> fields, HashSet<string> written)
    {
        foreach (var (key, value) in fields)
        {
            if (key == OriginalFormat)
            {
                continue;
            }
            var name = JsonNamingPolicy.SnakeCaseLower.ConvertName(key);
            if (!written.Add(name))
            {
                continue;
            }
            switch (value)
            {
                case null:
                    json.WriteNull(name);
                    break;
                case bool flag:
                    json.WriteBoolean(name, flag);
                    break;
                case int or long or short or byte or uint:
                    json.WriteNumber(name, Convert.ToInt64(value, CultureInfo.InvariantCulture));
                    break;
                case double number when double.IsFinite(number):
                    json.WriteNumber(name, number);
                    break;
                default:
                    json.WriteString(name, Convert.ToString(value, CultureInfo.InvariantCulture));
                    break;
            }
        }
    }
}
