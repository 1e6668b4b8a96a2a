using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.ControlPlane.Capacity;

/// <summary>
/// Folds the hosts' ledgers (<see cref="HostAllocations"/>) once per <see cref="CapacityOptions.FoldInterval"/>, so a
/// capacity check reads one row per host plus what changed since. Every replica runs it and one at a time folds (a
/// transaction-scoped turn); no lease is needed, because a fold never changes a total, only how many rows it takes.
/// A round missed (Postgres away) leaves more rows to read, never a wrong total.
/// </summary>
public sealed class AllocationLedger(NpgsqlDataSource dataSource, IOptions<CapacityOptions> options, TimeProvider clock, ILogger<AllocationLedger> logger)
    : PeriodicChore(clock, logger)
{
    protected override string Name => "Folding the hosts' allocation ledgers";

    protected override TimeSpan Period => options.Value.FoldInterval;

    protected override Task RoundAsync(CancellationToken ct) => HostAllocations.FoldAsync(dataSource, ct);
}
