using Lifecycle.Contract.Quotas;
using Lifecycle.ControlPlane.OpenApi;

namespace Lifecycle.ControlPlane.Quotas.Api;

/// <summary>One quota as the API shows it: its name, its limit (null: none) and what is in use.</summary>
public sealed record QuotaLine([property: OneOf(typeof(QuotaNames), nameof(QuotaNames.All))] string Quota, int? Limit, long InUse);

/// <summary>A team's quotas: <c>GET /v1/quota</c>, and the answer of <c>PUT /v1/teams/{id}/quotas</c>.</summary>
public sealed record QuotaView(Guid TeamId, IReadOnlyList<QuotaLine> Quotas)
{
    public static QuotaView Of(Guid teamId, QuotaLimits limits, QuotaUsage usage) =>
        new(teamId, [.. Enum.GetValues<QuotaName>().Select(name => new QuotaLine(name.ToWire(), limits.Of(name), usage.Of(name)))]);
}
