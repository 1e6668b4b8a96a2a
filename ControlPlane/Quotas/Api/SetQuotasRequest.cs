using System.Text.Json;
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
