using System.Net;
using System.Text;

namespace Lifecycle.Tests.Client;

/// <summary>
/// The network under a client, below its retries: it notes every attempt, and can answer the first attempts itself
/// (<see cref="AnswerFirst"/>), lose the server's answer to them after the server did the work (<see cref="LoseFirstAnswers"/>),
/// or hold an attempt without answering (<see cref="HangFirst"/>).
/// </summary>
public sealed class ScriptedTransport() : DelegatingHandler(new SocketsHttpHandler())
{
    private readonly Lock _lock = new();
    private readonly List<Attempt> _attempts = [];

    /// <summary>One attempt: when it was sent, its <c>Idempotency-Key</c>, and its answer (null: none reached the client).</summary>
    public sealed record Attempt(DateTime SentAt, HttpMethod Method, string Path, string? IdempotencyKey, HttpStatusCode? Answer);

    public IReadOnlyList<Func<HttpResponseMessage>> AnswerFirst { get; init; } = [];

    public int LoseFirstAnswers { get; init; }

    public int HangFirst { get; init; }

    public IReadOnlyList<Attempt> Attempts
    {
        get
        {
            lock (_lock)
            {
                return [.. _attempts];
            }
        }
    }

    /// <summary>A problem answer as the control plane writes one.</summary>
    public static HttpResponseMessage Problem(HttpStatusCode status, string type, int? retryAfterSeconds)
    {
        var body = $$"""{"type":"{{type}}","title":"{{status}}","status":{{(int)status}},"detail":"scripted"}""";
        var response = new HttpResponseMessage(status) { Content = new StringContent(body, Encoding.UTF8, "application/problem+json") };
        if (retryAfterSeconds is { } seconds)
        {
            response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }
        return response;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        int index;
        var key = request.Headers.TryGetValues("Idempotency-Key", out var keys) ? keys.Single() : null;
        var sentAt = DateTime.UtcNow;
        lock (_lock)
        {
            index = _attempts.Count;
            _attempts.Add(new Attempt(sentAt, request.Method, request.RequestUri!.PathAndQuery, key, null));
        }
        if (index < HangFirst)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        var response = index < AnswerFirst.Count ? AnswerFirst[index]() : await base.SendAsync(request, cancellationToken);
        if (index < LoseFirstAnswers)
        {
            response.Dispose();
            throw new HttpRequestException(HttpRequestError.ResponseEnded, "the connection broke before the answer arrived");
        }
        lock (_lock)
        {
            _attempts[index] = _attempts[index] with { Answer = response.StatusCode };
        }
        return response;
    }
}
