using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using System.Text.Json.Serialization;
using Lifecycle.Contract.Quotas;

namespace Lifecycle.ControlPlane.Quotas.Api;

/// <summary>
/// The body of <c>PUT /v1/teams/{id}/quotas</c>: any subset of the quotas, each a whole number from 0 or null for no
/// limit; a quota left out keeps its value. Read as members, so that null and absent differ.
/// </summary>
public static class SetQuotasRequest
{
    public const int MaxLimit = 1_000_000_000;

    /// <summary>The limits the body leads to from <paramref name="current"/>, or the first problem with it.</summary>
    public static (QuotaLimits? Limits, string? Problem) Apply(Dictionary<string, JsonElement> body, QuotaLimits current)
    {
        var limits = current;
        foreach (var (key, value) in body)
        {
            if (!QuotaNames.TryParse(key, out var name))
            {
                return (null, $"'{(key.Length > 40 ? key[..40] + "…" : key)}' is not a quota; the quotas are {string.Join(", ", QuotaNames.All)}.");
            }
            if (value.ValueKind == JsonValueKind.Null)
            {
                limits = limits.With(name, null);
            }
            else if (value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var limit) && limit is >= 0 and <= MaxLimit)
            {
                limits = limits.With(name, limit);
            }
            else
            {
                return (null, $"{key} must be a whole number from 0 to {MaxLimit}, or null for no limit.");
            }
        }
        return (limits, null);
    }
}

/// <summary>
/// The body of <c>PUT /v1/teams/{id}/quotas</c> as the OpenAPI document describes it (read by
/// <see cref="SetQuotasRequest.Apply"/>): each field a limit, or null for none; a field left out keeps its value.
/// </summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record QuotaChanges(
    [property: Range(0, SetQuotasRequest.MaxLimit)] int? MaxActiveSandboxes = null,
    [property: Range(0, SetQuotasRequest.MaxLimit)] int? MaxVcpus = null,
    [property: Range(0, SetQuotasRequest.MaxLimit)] int? MaxMemoryMb = null,
    [property: Range(0, SetQuotasRequest.MaxLimit)] int? MaxPausedSandboxes = null);
