using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>
/// Deletes idempotency keys past their retention, on every replica (deleting twice is harmless, so no lease is
/// needed). An expired key is already ignored by requests; this only keeps the table small.
/// </summary>
public sealed partial class IdempotencyJanitor(IdempotencyStore store, IOptions<IdempotencyOptions> options, TimeProvider clock, ILogger<IdempotencyJanitor> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PurgeInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var deleted = await store.PurgeExpiredAsync(stoppingToken);
                    if (deleted > 0)
                    {
                        LogPurged(deleted);
                    }
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    // Postgres is away: the keys wait for the next round.
                    LogPurgeFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired idempotency keys")]
    private partial void LogPurged(int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleting expired idempotency keys failed; the next round tries again")]
    private partial void LogPurgeFailed(Exception ex);
}
