namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>
/// Acts on every sandbox's deadline, as a real host agent does on its own, and reports it by callback: the host's
/// side of the time to live. A frozen or restarting host does nothing (a hung agent enforces nothing; the control
/// plane's evictor does it then).
/// </summary>
internal sealed class ExpirySweepService(
    HostDirectory directory,
    SimulatorOptions options,
    TimeProvider time,
    ILogger<ExpirySweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.ExpirySweepMs), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var host in directory.Hosts.Where(h => !h.IsFrozen && !h.IsDown))
                {
                    foreach (var expiry in host.Sandboxes.Expire())
                    {
                        logger.LogInformation("host {Host}: sandbox {SandboxId} reached its deadline: {Type} ({Reason})",
                            host.Name, expiry.SandboxId, expiry.ReportType, expiry.Reason);
                        host.Report(expiry.SandboxId, expiry.ReportType, expiry.Reason);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Normal shutdown.
        }
    }
}
