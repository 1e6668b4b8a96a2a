using Microsoft.Extensions.Logging.Console;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// Console logs as text (the default) or, with <c>Lifecycle:Logging:Format=json</c>, one JSON object
/// per line (<see cref="JsonLogFormatter"/>). Entries written while a request or the operation it
/// started runs carry its <c>trace_id</c> (W3C: taken from an incoming <c>traceparent</c>).
/// </summary>
public static class Logs
{
    public const string FormatKey = "Lifecycle:Logging:Format";

    public static WebApplicationBuilder AddLifecycleLogging(this WebApplicationBuilder builder)
    {
        builder.Logging.Configure(options => options.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddConsoleFormatter<JsonLogFormatter, ConsoleFormatterOptions>();
        if (string.Equals(builder.Configuration[FormatKey], "json", StringComparison.OrdinalIgnoreCase))
        {
            builder.Logging.AddConsole(console => console.FormatterName = JsonLogFormatter.Name);
        }
        return builder;
    }
}
