using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Lifecycle.Contract.Http;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>
/// The <c>Idempotency-Key</c> request header and the request's fingerprint: SHA-256 of its method, its path (lower
/// case: ids are UUIDs, and routes match regardless of case) and its body with JSON whitespace removed, so a retry
/// that serialises the same body differently is still the same request.
/// </summary>
public static class IdempotencyHeaders
{
    public const int MaxKeyLength = 200;

    public static string Describe => $"{HeaderNames.IdempotencyKey} must be 1 to {MaxKeyLength} printable ASCII characters.";

    /// <summary>
    /// The request as an <see cref="IdempotentRequest"/> of <paramref name="teamId"/> whose answer reads as
    /// <paramref name="answer"/> says: null when it carries no key; false when the key is not sane. Leaves the body
    /// readable from its start.
    /// </summary>
    public static async Task<(bool Sane, IdempotentRequest? Request)> ReadAsync(
        HttpRequest request, Guid teamId, Func<SandboxRow, StoredAnswer> answer, CancellationToken ct)
    {
        if (!request.Headers.TryGetValue(HeaderNames.IdempotencyKey, out var values))
        {
            return (true, null);
        }
        var key = values.ToString();
        if (values.Count != 1 || key.Length is 0 or > MaxKeyLength || key.Any(c => c is < ' ' or > '~'))
        {
            return (false, null);
        }
        var fingerprint = await FingerprintAsync(request, ct);
        return (true, new IdempotentRequest(teamId, key, request.Method, PathOf(request), fingerprint) { Answer = answer });
    }

    private static string PathOf(HttpRequest request) => (request.PathBase + request.Path).Value!.ToLowerInvariant();

    private static async Task<byte[]> FingerprintAsync(HttpRequest request, CancellationToken ct)
    {
        // From the start, whatever read it before: the ride-through runs an endpoint again after a broken connection.
        request.EnableBuffering();
        request.Body.Position = 0;
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body, ct);
        request.Body.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method}\n{PathOf(request)}\n"));
        hash.AppendData(Compact(body.GetBuffer().AsSpan(0, (int)body.Length)));
        return hash.GetHashAndReset();
    }

    /// <summary>JSON without its whitespace; anything that is not JSON as it came (the endpoint refuses it anyway).</summary>
    private static ReadOnlySpan<byte> Compact(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return body;
        }
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var buffer = new ArrayBufferWriter<byte>(body.Length);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                document.WriteTo(writer);
            }
            return buffer.WrittenSpan;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
