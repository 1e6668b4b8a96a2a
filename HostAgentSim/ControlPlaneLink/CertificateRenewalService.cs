using System.Net;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.ControlPlaneLink;

/// <summary>
/// Renews each registered host's certificate once two thirds of its life have passed, as an agent must:
/// a new key and CSR, vouched for by the current key, swapped in without restarting the listener.
/// A refused renewal (decommissioned) is not retried; a failed one is, on a later check.
/// </summary>
internal sealed partial class CertificateRenewalService(
    HostDirectory directory,
    ControlPlaneClient client,
    ILogger<CertificateRenewalService> logger) : BackgroundService
{
    private static readonly TimeSpan CheckEvery = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private readonly Dictionary<string, DateTime> _notBefore = [];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(CheckEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = DateTime.UtcNow;
                var due = directory.Hosts.Where(h => h.HostId is not null && !h.IsFrozen && !h.IsDown && h.RenewalDue(now)
                    && (!_notBefore.TryGetValue(h.Name, out var next) || now >= next)).ToList();
                await Task.WhenAll(due.Select(host => RenewAsync(host, stoppingToken)));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task RenewAsync(SimulatedHost host, CancellationToken ct)
    {
        HttpStatusCode? status;
        try
        {
            status = await client.RenewAsync(host, ct);
        }
        catch (HttpRequestException ex)
        {
            LogFailed(host.Name, ex.Message);
            status = null;
        }
        lock (_notBefore)
        {
            _notBefore[host.Name] = status switch
            {
                HttpStatusCode.OK => DateTime.MinValue,
                HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => DateTime.MaxValue,
                _ => DateTime.UtcNow + RetryAfter,
            };
        }
        if (status is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            LogRefused(host.Name, (int)status);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "host {Host}: certificate renewal refused ({Status}); the certificate will expire")]
    private partial void LogRefused(string host, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "host {Host}: certificate renewal failed: {Error}")]
    private partial void LogFailed(string host, string error);
}
