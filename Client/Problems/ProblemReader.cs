using System.Net;
using System.Text.Json;
using Lifecycle.Contract.Http;
using Lifecycle.Contract.Problems;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Client;

/// <summary>Turns an error answer into its <see cref="LifecycleApiException"/>; a body that is not a problem keeps only the status.</summary>
internal static class ProblemReader
{
    private static readonly HashSet<string> Standard = new(StringComparer.Ordinal) { "type", "title", "status", "detail", "instance" };

    public static async Task<LifecycleApiException> ReadAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var problem = Read(response, await response.Content.ReadAsStringAsync(ct));
        return (response.StatusCode, problem.Type) switch
        {
            (HttpStatusCode.TooManyRequests, ProblemTypes.QuotaExceeded) => new QuotaExceededException(problem),
            (HttpStatusCode.UnprocessableEntity, ProblemTypes.IdempotencyKeyReused) => new IdempotencyKeyReusedException(problem),
            (HttpStatusCode.UnprocessableEntity, ProblemTypes.TooBig) => new SandboxTooBigException(problem),
            (HttpStatusCode.ServiceUnavailable, ProblemTypes.NoCapacity) => new NoCapacityException(problem),
            (HttpStatusCode.PreconditionFailed, _) => new PreconditionFailedException(problem, response.Headers.ETag?.ToString()),
            (HttpStatusCode.NotFound, _) => new NotFoundException(problem),
            (HttpStatusCode.Conflict, _) => new ConflictException(problem),
            (HttpStatusCode.RequestTimeout, _) => new WaitTimedOutException(problem),
            (HttpStatusCode.TooManyRequests, _) => new RateLimitedException(problem),
            (HttpStatusCode.ServiceUnavailable, _) => new ServiceUnavailableException(problem),
            _ => new LifecycleApiException(problem),
        };
    }

    /// <summary>The problem's <c>type</c>, reading the body into memory so that it can be read again.</summary>
    public static async Task<string?> TypeAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await response.Content.LoadIntoBufferAsync(ct);
        return Read(response, await response.Content.ReadAsStringAsync(ct)).Type;
    }

    private static LifecycleProblem Read(HttpResponseMessage response, string body)
    {
        var members = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (body.TrimStart().StartsWith('{'))
        {
            try
            {
                using var json = JsonDocument.Parse(body);
                foreach (var member in json.RootElement.EnumerateObject())
                {
                    members[member.Name] = member.Value.Clone();
                }
            }
            catch (JsonException)
            {
                // Not JSON after all (a proxy's page): the status and the headers still say what happened.
            }
        }
        string? Text(string name) => members.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        var requestId = Text("request_id")
            ?? (response.Headers.TryGetValues(HeaderNames.RequestId, out var ids) ? ids.FirstOrDefault() : null);
        SandboxStatus? current = SandboxStatuses.TryParse(Text("current_status"), out var status) ? status : null;
        return new LifecycleProblem((int)response.StatusCode, Text("type"), Text("title") ?? response.ReasonPhrase, Text("detail"), requestId,
            current, RetryAfter(response), members.Where(m => !Standard.Contains(m.Key)).ToDictionary(m => m.Key, m => m.Value, StringComparer.Ordinal));
    }

    /// <summary>The answer's <c>Retry-After</c> as a wait from now (seconds or a date), or null.</summary>
    public static TimeSpan? RetryAfter(HttpResponseMessage response) => response.Headers.RetryAfter switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - DateTimeOffset.UtcNow is var left && left > TimeSpan.Zero ? left : TimeSpan.Zero,
        _ => null,
    };
}
