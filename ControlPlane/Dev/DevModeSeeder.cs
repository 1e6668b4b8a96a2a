using Lifecycle.ControlPlane.Teams;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Dev;

/// <summary>In dev mode only: ensures the dev team and its API key exist (hosts register through the admin API).</summary>
public sealed partial class DevModeSeeder(
    IOptions<DevModeOptions> options, TeamStore teams, ILogger<DevModeSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dev = options.Value;
        if (!dev.Enabled)
        {
            return;
        }
        await teams.EnsureTeamWithKeyAsync(dev.TeamName, dev.ApiKey, cancellationToken);
        LogSeeded(dev.TeamName);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev mode: team {TeamName} and its key ready; hosts register themselves")]
    private partial void LogSeeded(string teamName);
}
