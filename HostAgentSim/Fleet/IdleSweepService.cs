namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>Pauses sandboxes idle past their timeout_sec, as a real host agent does on its own.</summary>
internal sealed class IdleSweepService(
    HostDirectory directory,
    SimulatorOptions options,
    TimeProvider time,
    ILogger<IdleSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.IdleSweepMs), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var host in directory.Hosts)
                {
                    foreach (var id in host.Sandboxes.PauseIdle())
                    {
                        logger.LogInformation("host {Host} auto-paused idle sandbox {SandboxId}", host.Name, id);
                        host.Report(id, HostReport.AutoPaused, "idle_timeout");
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
