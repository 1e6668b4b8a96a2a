using System.Text.Json;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Client;

/// <summary>
/// A problem answer (RFC 9457, <c>application/problem+json</c>) as read: its standard members, the extensions the API adds
/// (<c>current_status</c>, <c>request_id</c>, and any other in <see cref="Extensions"/>), and its <c>Retry-After</c>.
/// </summary>
public sealed record LifecycleProblem(
    int Status,
    string? Type,
    string? Title,
    string? Detail,
    string? RequestId,
    SandboxStatus? CurrentStatus,
    TimeSpan? RetryAfter,
    IReadOnlyDictionary<string, JsonElement> Extensions)
{
    /// <summary>An extension as a string, or null when absent or of another kind.</summary>
    public string? Text(string name) =>
        Extensions.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An extension as a whole number, or null when absent or of another kind.</summary>
    public long? Number(string name) =>
        Extensions.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) ? number : null;
}
