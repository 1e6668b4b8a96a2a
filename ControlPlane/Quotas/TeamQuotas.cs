using Lifecycle.Contract.Quotas;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.ControlPlane.Quotas;

/// <summary>
/// A team's limits (its own, else the configured defaults), and the check every request that raises its usage passes
/// inside the transaction of its write (<c>Operations.RequestWrites</c>): take the team's lock, count, and write only if
/// the request fits, so no number of replicas and concurrent requests can take a team past a limit. A request whose
/// demand touches no set limit skips it all.
/// </summary>
public sealed class TeamQuotas(QuotaStore store, IOptions<QuotaOptions> options)
{
    public async Task<QuotaLimits> LimitsAsync(Guid teamId, CancellationToken ct) =>
        await store.LimitsAsync(teamId, ct) ?? options.Value.Defaults;

    /// <summary>The team's limits and its usage now.</summary>
    public async Task<(QuotaLimits Limits, QuotaUsage Usage)> ViewAsync(Guid teamId, CancellationToken ct) =>
        (await LimitsAsync(teamId, ct), await store.UsageAsync(teamId, withBecomingPaused: false, null, null, ct));

    /// <summary>The team's limits when <paramref name="demand"/> touches one that is set (it must then be counted); else null.</summary>
    public async Task<QuotaLimits?> CountedLimitsAsync(Guid teamId, QuotaDemand demand, CancellationToken ct)
    {
        var limits = await LimitsAsync(teamId, ct);
        return Enum.GetValues<QuotaName>().Any(name => demand.Of(name) > 0 && limits.Of(name) is not null) ? limits : null;
    }

    /// <summary>
    /// The breach <paramref name="demand"/> would make now, counted without the lock: for a request refused for another
    /// reason (no host has room), whose answer must still say "quota" first when the quota is what stops it.
    /// </summary>
    public async Task<QuotaBreach?> BreachNowAsync(Guid teamId, QuotaDemand demand, CancellationToken ct) =>
        await CountedLimitsAsync(teamId, demand, ct) is { } limits
            ? QuotaRules.Breach(limits, await store.UsageAsync(teamId, withBecomingPaused: demand.PausedSandboxes > 0, null, null, ct), demand)
            : null;

    /// <summary>
    /// Takes the team's lock in <paramref name="transaction"/> and counts: the breach when <paramref name="demand"/> does
    /// not fit <paramref name="limits"/>, else null, and the lock is held until the transaction ends, so the write that
    /// follows in it is counted by the next request.
    /// </summary>
    public async Task<QuotaBreach?> LockAndCheckAsync(
        Guid teamId, QuotaLimits limits, QuotaDemand demand, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        await QuotaStore.LockAsync(teamId, connection, transaction, ct);
        var usage = await store.UsageAsync(teamId, withBecomingPaused: demand.PausedSandboxes > 0, connection, transaction, ct);
        return QuotaRules.Breach(limits, usage, demand);
    }
}
