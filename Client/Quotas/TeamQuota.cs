using Lifecycle.Contract.Quotas;

namespace Lifecycle.Client;

/// <summary>A team's quotas: each limit (null: none) and what is in use against it.</summary>
public sealed record TeamQuota(Guid TeamId, IReadOnlyList<QuotaLine> Quotas)
{
    public QuotaLine this[QuotaName quota] => Quotas.First(line => line.Quota == quota);
}

/// <summary>One quota: its limit (null: no limit) and the team's use of it.</summary>
public sealed record QuotaLine(QuotaName Quota, int? Limit, long InUse);
