using System.Text.Json;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Preconditions;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// How an answer that carries one sandbox reads: its body, its <c>ETag</c> and, for a 202, its <c>Location</c>. The same
/// for the first answer and for the one stored with an idempotency key (serialised with the API's JSON options), so a
/// replay reads exactly as the first answer did.
/// </summary>
public sealed class SandboxAnswers(IOptions<JsonOptions> json)
{
    public StoredAnswer Stored(SandboxRow row, int status) => new(
        status,
        JsonSerializer.Serialize(SandboxResponse.From(row), json.Value.SerializerOptions),
        status == StatusCodes.Status202Accepted ? SandboxResponse.Location(row.Id) : null,
        SandboxETag.Of(row));

    public static Ok<SandboxResponse> Ok(HttpResponse response, SandboxRow row)
    {
        response.Headers.ETag = SandboxETag.Of(row);
        return TypedResults.Ok(SandboxResponse.From(row));
    }

    public static Accepted<SandboxResponse> Accepted(HttpResponse response, SandboxRow row)
    {
        response.Headers.ETag = SandboxETag.Of(row);
        return TypedResults.Accepted(SandboxResponse.Location(row.Id), SandboxResponse.From(row));
    }

    /// <summary>A 412 naming the sandbox's status, with its current <c>ETag</c>.</summary>
    public static ProblemHttpResult PreconditionFailed(HttpResponse response, string operation, SandboxRow current)
    {
        response.Headers.ETag = SandboxETag.Of(current);
        return TypedResults.Problem(Problems.PreconditionFailed(operation, current.Status));
    }

    public static ProblemHttpResult KeyReused(EarlierRequest earlier) =>
        TypedResults.Problem(Problems.IdempotencyKeyReused(earlier.Method, earlier.Path));
}
