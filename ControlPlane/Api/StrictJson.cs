using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using ProblemDetails = Microsoft.AspNetCore.Mvc.ProblemDetails;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// Reads request bodies strictly: unknown fields, wrong types and out-of-range numbers are a 400
/// naming the problem, where model binding would answer with an empty 400 or ignore the field.
/// </summary>
public sealed class StrictJson(IOptions<JsonOptions> jsonOptions)
{
    private readonly JsonSerializerOptions _options = new(jsonOptions.Value.SerializerOptions)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        AllowTrailingCommas = false,
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>Says what is wrong and where, without the serializer's .NET type names.</summary>
    private static string Describe(JsonException ex)
    {
        var path = string.IsNullOrEmpty(ex.Path) ? "$" : ex.Path;
        if (ex.Message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return $"Unknown field at {path}.";
        }
        if (ex.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"The value at {path} has the wrong type or is out of range.";
        }
        return $"Malformed JSON at {path} (line {ex.LineNumber + 1}, byte {ex.BytePositionInLine + 1}).";
    }

    /// <summary>A body read: its value, or the problem+json that refuses it.</summary>
    public sealed record Result<T>(T? Value, ProblemDetails? Problem) where T : class
    {
        [MemberNotNullWhen(true, nameof(Problem))]
        [MemberNotNullWhen(false, nameof(Value))]
        public bool Refused => Problem is not null;
    }

    /// <summary>The body, or a 400 naming its first problem when it reads but <see cref="IValidatable.Validate"/> refuses it.</summary>
    public async Task<Result<T>> ReadValidAsync<T>(HttpRequest request, T whenEmpty, CancellationToken ct) where T : class, IValidatable
    {
        var body = await ReadAsync(request, whenEmpty, ct);
        return !body.Refused && body.Value.Validate() is { } invalid
            ? new Result<T>(null, Problems.BadRequest(invalid))
            : body;
    }

    /// <summary>An empty body reads as <paramref name="whenEmpty"/>.</summary>
    public async Task<Result<T>> ReadAsync<T>(HttpRequest request, T whenEmpty, CancellationToken ct) where T : class
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            return new Result<T>(whenEmpty, null);
        }
        if (!request.HasJsonContentType())
        {
            return Refuse<T>("The body must be JSON (Content-Type: application/json).", StatusCodes.Status415UnsupportedMediaType);
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, _options, ct);
            return value is null ? Refuse<T>("The body must be a JSON object, not null.") : new Result<T>(value, null);
        }
        catch (JsonException ex)
        {
            return Refuse<T>(Describe(ex));
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's body size limit, or a client that stopped sending.
            return Refuse<T>(ex.Message, ex.StatusCode);
        }
    }

    private static Result<T> Refuse<T>(string error, int status = StatusCodes.Status400BadRequest) where T : class =>
        new(null, Problems.BadBody(status, error));
}
