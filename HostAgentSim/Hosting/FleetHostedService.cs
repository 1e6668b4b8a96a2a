using Microsoft.Extensions.Options;

namespace Lifecycle.HostAgentSim.Hosting;

/// <summary>Runs a fleet for the lifetime of the command-line process.</summary>
internal sealed class FleetHostedService(
    IOptions<SimulatorOptions> options,
    ILoggerFactory loggerFactory,
    ILogger<FleetHostedService> logger) : IHostedService
{
    private SimulatedFleet? _fleet;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _fleet = await SimulatedFleet.StartAsync(options.Value, loggerFactory, cancellationToken);
        foreach (var host in _fleet.Hosts)
        {
            logger.LogInformation("host {Name} listening on {Address}", host.Name, host.Address);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Exchange(ref _fleet, null) is { } fleet)
        {
            await fleet.DisposeAsync();
        }
    }
}
