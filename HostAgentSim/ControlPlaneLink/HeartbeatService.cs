using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.ControlPlaneLink;

/// <summary>Every registered host heartbeats on its interval, except while frozen or restarting.</summary>
internal sealed partial class HeartbeatService(
    HostDirectory directory,
    SimulatorOptions options,
    ControlPlaneClient client,
    ILogger<HeartbeatService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(options.HeartbeatIntervalMs));
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                // Hosts are published (and registered) after the server starts, so they are read on every tick.
                await Task.WhenAll(directory.Hosts.Where(h => !h.IsFrozen && !h.IsDown && h.HostId is not null)
                    .Select(host => BeatAsync(host, stoppingToken)));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task BeatAsync(SimulatedHost host, CancellationToken ct)
    {
        try
        {
            if (await client.HeartbeatAsync(host, ct))
            {
                host.CountHeartbeat();
            }
            else
            {
                LogRefused(host.Name);
            }
        }
        catch (HttpRequestException ex)
        {
            LogFailed(host.Name, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "host {Host}: heartbeat refused (decommissioned?)")]
    private partial void LogRefused(string host);

    [LoggerMessage(Level = LogLevel.Warning, Message = "host {Host}: heartbeat failed: {Error}")]
    private partial void LogFailed(string host, string error);
}
