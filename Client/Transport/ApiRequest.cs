using System.Net.Http.Headers;
using System.Text.Json;
using Lifecycle.Contract.Http;

namespace Lifecycle.Client;

/// <summary>
/// One logical call: its method, path and body, and the headers that stay the same on every attempt. A POST or DELETE
/// always carries an <c>Idempotency-Key</c>: the caller's, or a new one for this call.
/// </summary>
internal sealed record ApiRequest(HttpMethod Method, string Path, object? Body = null, string? IfMatch = null, string? IdempotencyKey = null)
{
    /// <summary>More time for one attempt than the client's default, for a long poll.</summary>
    public TimeSpan? AttemptTimeout { get; init; }

    /// <summary>An <c>If-None-Match</c> tag: a 304 instead of the body when it still matches.</summary>
    public string? IfNoneMatch { get; init; }

    public HttpRequestMessage ToMessage()
    {
        var message = new HttpRequestMessage(Method, new Uri(Path, UriKind.Relative));
        if (Body is not null)
        {
            // Bytes, not a stream: every attempt sends the same body, so the server sees the same request each time.
            message.Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(Body, Body.GetType(), WireJson.Options));
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        }
        if (Method == HttpMethod.Post || Method == HttpMethod.Delete)
        {
            message.Headers.TryAddWithoutValidation(HeaderNames.IdempotencyKey, IdempotencyKey ?? NewIdempotencyKey());
        }
        if (IfMatch is not null)
        {
            message.Headers.TryAddWithoutValidation("If-Match", IfMatch);
        }
        if (IfNoneMatch is not null)
        {
            message.Headers.TryAddWithoutValidation("If-None-Match", IfNoneMatch);
        }
        if (AttemptTimeout is { } timeout)
        {
            message.Options.Set(Retries.AttemptTimeout, timeout);
        }
        return message;
    }

    public static string NewIdempotencyKey() => Guid.CreateVersion7().ToString("N");
}
