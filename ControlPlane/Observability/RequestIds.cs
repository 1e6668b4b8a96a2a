using System.Diagnostics;
using Lifecycle.Contract.Http;

namespace Lifecycle.ControlPlane.Observability;

/// <summary>
/// Every answer carries <c>X-Request-Id</c>: the client's own when it sent a sane one (1 to 128 of
/// <c>A-Z a-z 0-9 . _ : -</c>), else the request's W3C trace id. It becomes the request's
/// <see cref="HttpContext.TraceIdentifier"/>, so it is the <c>request_id</c> of every log line written for the
/// request and of every problem answer.
/// </summary>
public static partial class RequestIds
{
    public const int MaxLength = 128;

    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(RequestIds).FullName!);
        return app.Use(async (context, next) =>
        {
            var id = Sane(context.Request.Headers[HeaderNames.RequestId].ToString())
                ?? Activity.Current?.TraceId.ToHexString()
                ?? context.TraceIdentifier;
            context.TraceIdentifier = id;
            context.Response.Headers[HeaderNames.RequestId] = id;
            using (logger.BeginScope(new Dictionary<string, object?> { ["RequestId"] = id }))
            {
                await next(context);
            }
        });
    }

    private static string? Sane(string value) =>
        value.Length is > 0 and <= MaxLength && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or ':' or '-') ? value : null;
}
