using Lifecycle.Contract.Quotas;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.ControlPlane.Quotas;

/// <summary>
/// A team's limits (its own, else the configured defaults), and the gate every request that raises its usage passes:
/// in one transaction it takes the team's lock, counts, and writes only if the request fits, so no number of replicas
/// and concurrent requests can take a team past a limit. A team without limits skips it all.
/// </summary>
public sealed class TeamQuotas(QuotaStore store, NpgsqlDataSource dataSource, IOptions<QuotaOptions> options)
{
    public async Task<QuotaLimits> LimitsAsync(Guid teamId, CancellationToken ct) =>
        await store.LimitsAsync(teamId, ct) ?? options.Value.Defaults;

    /// <summary>The team's limits and its usage now.</summary>
    public async Task<(QuotaLimits Limits, QuotaUsage Usage)> ViewAsync(Guid teamId, CancellationToken ct) =>
        (await LimitsAsync(teamId, ct), await store.UsageAsync(teamId, withBecomingPaused: false, null, null, ct));

    /// <summary>
    /// Runs <paramref name="write"/> if <paramref name="demand"/> fits the team's limits, inside the transaction that
    /// counted (it gets that connection and transaction; both null when the team has no limit). The breach otherwise.
    /// </summary>
    public async Task<(T? Written, QuotaBreach? Breach)> WithinAsync<T>(
        Guid teamId, QuotaDemand demand, Func<NpgsqlConnection?, NpgsqlTransaction?, Task<T>> write, CancellationToken ct)
    {
        var limits = await LimitsAsync(teamId, ct);
        if (!Limited(limits, demand))
        {
            return (await write(null, null), null);
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await QuotaStore.LockAsync(teamId, connection, transaction, ct);
        var usage = await store.UsageAsync(teamId, withBecomingPaused: demand.PausedSandboxes > 0, connection, transaction, ct);
        if (QuotaRules.Breach(limits, usage, demand) is { } breach)
        {
            await transaction.RollbackAsync(ct);
            return (default, breach);
        }
        var written = await write(connection, transaction);
        await transaction.CommitAsync(ct);
        return (written, null);
    }

    /// <summary>Whether any limit the demand touches is set: only then must the request be counted.</summary>
    private static bool Limited(QuotaLimits limits, QuotaDemand demand) =>
        Enum.GetValues<QuotaName>().Any(name => demand.Of(name) > 0 && limits.Of(name) is not null);
}
