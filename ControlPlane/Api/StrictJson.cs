using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;

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

    public sealed record Result<T>(T? Value, string? Error, int Status = StatusCodes.Status400BadRequest);

    /// <summary>An empty body reads as <paramref name="whenEmpty"/>.</summary>
    public async Task<Result<T>> ReadAsync<T>(HttpRequest request, T whenEmpty, CancellationToken ct)
    {
        if (request.ContentLength == 0 || (request.ContentLength is null && !request.Headers.TransferEncoding.Any()))
        {
            return new Result<T>(whenEmpty, null);
        }
        if (!request.HasJsonContentType())
        {
            return new Result<T>(default, "The body must be JSON (Content-Type: application/json).", StatusCodes.Status415UnsupportedMediaType);
        }
        try
        {
            var value = await JsonSerializer.DeserializeAsync<T>(request.Body, _options, ct);
            return value is null ? new Result<T>(default, "The body must be a JSON object, not null.") : new Result<T>(value, null);
        }
        catch (JsonException ex)
        {
            return new Result<T>(default, Describe(ex));
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's body size limit, or a client that stopped sending.
            return new Result<T>(default, ex.Message, ex.StatusCode);
        }
    }
}
