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
public sealed partial class AllocationLedger(NpgsqlDataSource dataSource, IOptions<CapacityOptions> options, TimeProvider clock, ILogger<AllocationLedger> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FoldInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await HostAllocations.FoldAsync(dataSource, stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    LogFoldFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Folding the hosts' allocation ledgers failed; the next round tries again")]
    private partial void LogFoldFailed(Exception ex);
}
