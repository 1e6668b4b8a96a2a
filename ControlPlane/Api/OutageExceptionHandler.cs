using System.Globalization;
using Lifecycle.ControlPlane.Outages;
using Lifecycle.Infrastructure.Outages;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// Answers an outage (Postgres or Redis unreachable, see <see cref="Outage"/>) with 503 problem+json and
/// <c>Retry-After</c>, from wherever in the request it came (authentication included). Anything else
/// is left to the default handler, so real bugs stay 500s.
/// </summary>
public sealed partial class OutageExceptionHandler(
    IProblemDetailsService problems, IOptions<OutageOptions> options, ILogger<OutageExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var kind = Outage.Classify(exception);
        if (kind == OutageKind.None)
        {
            return false;
        }
        LogOutage(http.Request.Method, http.Request.Path, kind, exception.GetType().Name, exception.Message);
        var retryAfter = Math.Max(1, (int)Math.Ceiling(options.Value.RetryAfter.TotalSeconds));
        http.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        http.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            ProblemDetails = Problems.Unavailable(kind == OutageKind.Redis ? "Redis" : "Postgres"),
        });
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: {Outage} ({ErrorType}: {Error})")]
    private partial void LogOutage(string method, string path, OutageKind outage, string errorType, string error);
}
