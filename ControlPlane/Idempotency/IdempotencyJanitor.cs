using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>
/// Deletes idempotency keys past their retention, on every replica (deleting twice is harmless, so no lease is
/// needed). An expired key is already ignored by requests; this only keeps the table small.
/// </summary>
public sealed partial class IdempotencyJanitor(IdempotencyStore store, IOptions<IdempotencyOptions> options, TimeProvider clock, ILogger<IdempotencyJanitor> logger)
    : PeriodicChore(clock, logger)
{
    protected override string Name => "Deleting expired idempotency keys";

    protected override TimeSpan Period => options.Value.PurgeInterval;

    protected override async Task RoundAsync(CancellationToken ct)
    {
        var deleted = await store.PurgeExpiredAsync(ct);
        if (deleted > 0)
        {
            LogPurged(Logger, deleted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);
}
