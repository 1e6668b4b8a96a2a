using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// Upkeep of the database that every replica runs once per period and that is harmless run twice or late: a round
/// that fails while Postgres is away is logged and the next tick tries again, with nothing lost meanwhile.
/// </summary>
public abstract partial class PeriodicChore(TimeProvider clock, ILogger logger) : BackgroundService
{
    /// <summary>What the chore does, for its logs.</summary>
    protected abstract string Name { get; }

    protected abstract TimeSpan Period { get; }

    protected abstract Task RoundAsync(CancellationToken ct);

    /// <summary>The chore's own logger, for what a round reports.</summary>
    protected ILogger Logger => logger;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RoundAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
                {
                    LogRoundFailed(Name, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Chore} failed; the next round tries again")]
    private partial void LogRoundFailed(string chore, Exception ex);
}
