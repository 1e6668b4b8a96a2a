using System.Net.Mime;
using Lifecycle.Contract.Http;

namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>An earlier request's answer, written as it was, with <c>Idempotent-Replayed: true</c>.</summary>
public sealed class ReplayedAnswer(StoredAnswer answer) : IResult
{
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = answer.StatusCode;
        response.Headers[HeaderNames.IdempotentReplayed] = "true";
        if (answer.Location is not null)
        {
            response.Headers.Location = answer.Location;
        }
        if (answer.ETag is not null)
        {
            response.Headers.ETag = answer.ETag;
        }
        response.ContentType = MediaTypeNames.Application.Json;
        await response.WriteAsync(answer.Body, httpContext.RequestAborted);
    }
}
