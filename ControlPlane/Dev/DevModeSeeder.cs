using Lifecycle.Core.Security;
using Lifecycle.Core.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Dev;

/// <summary>In dev mode only: ensures the dev team, its API key and the simulated hosts exist.</summary>
public sealed partial class DevModeSeeder(
    IOptions<DevModeOptions> options, TeamStore teams, HostStore hosts, ILogger<DevModeSeeder> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var dev = options.Value;
        if (!dev.Enabled)
        {
            return;
        }
        await teams.EnsureTeamWithKeyAsync(dev.TeamName, dev.ApiKey, cancellationToken).ConfigureAwait(false);
        foreach (var host in dev.Hosts)
        {
            // Simulated hosts do not authenticate yet; each gets a fresh random token nobody holds.
            await hosts.RegisterAsync(host.Name, host.Address, SecretHash.NewSecret("lch_"), cancellationToken).ConfigureAwait(false);
            LogHost(host.Name, host.Address);
        }
        LogSeeded(dev.TeamName, dev.Hosts.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev mode: host {HostName} at {Address}")]
    private partial void LogHost(string hostName, string address);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dev mode: team {TeamName} and {HostCount} hosts ready")]
    private partial void LogSeeded(string teamName, int hostCount);
}
