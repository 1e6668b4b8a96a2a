using System.Threading.Channels;
using Lifecycle.Contract.Hosts;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>
/// Drives the drains of the hosts this replica owns (<see cref="HostShards"/>, the HostMonitor's shards), so
/// exactly one replica drives a host's drain, and a dead replica's drains are taken over with its hosts,
/// within one lease period. A round every <see cref="DrainOptions.Interval"/>, and one at once when a drain
/// is started on this replica; a drain started on another replica is picked up by the owner's next round.
/// Losing a shard stops the round under way. Only replicas that run the HostMonitor hold shards, so only
/// they drive drains.
/// </summary>
public sealed partial class DrainDriver(
    HostStore hosts,
    HostDrainer drainer,
    HostShards shards,
    DrainProgress progress,
    IOptions<DrainOptions> options,
    ILogger<DrainDriver> logger) : BackgroundService
{
    private static readonly HostStatus[] Draining = [HostStatus.Draining];

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Runs a round now rather than at the next interval (a drain was just started).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (shards.HoldingSince is not null)
                {
                    await RoundAsync(stoppingToken);
                }
                else
                {
                    progress.KeepOnly([]);
                }
                await WaitAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task WaitAsync(CancellationToken ct)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
        wait.CancelAfter(options.Value.Interval);
        try
        {
            await _wake.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // the interval passed
        }
    }

    private async Task RoundAsync(CancellationToken stoppingToken)
    {
        using var owned = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, shards.LossToken);
        try
        {
            var drains = (await hosts.DrainsAsync(Draining, null, owned.Token)).Where(d => shards.OwnsHost(d.Id)).ToList();
            progress.KeepOnly([.. drains.Select(d => d.Id)]);
            await Parallel.ForEachAsync(drains, new ParallelOptions { MaxDegreeOfParallelism = options.Value.MaxParallelHosts, CancellationToken = owned.Token },
                async (drain, token) =>
                {
                    try
                    {
                        await drainer.RunAsync(drain, token);
                    }
                    catch (Exception ex) when (!token.IsCancellationRequested)
                    {
                        // Postgres or Redis away, most likely: this host's drain goes on at the next round, the others now.
                        LogHostFailed(drain.Name, ex.GetType().Name, ex.Message);
                    }
                });
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            // A shard was lost or handed over: the next round drives only what this replica still owns.
        }
        catch (Exception ex) when (!owned.IsCancellationRequested)
        {
            LogRoundFailed(ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain round failed: {ErrorType}: {Error}; the next round tries again")]
    private partial void LogRoundFailed(string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Drain of host {HostName} skipped this round: {ErrorType}: {Error}")]
    private partial void LogHostFailed(string hostName, string errorType, string error);
}
