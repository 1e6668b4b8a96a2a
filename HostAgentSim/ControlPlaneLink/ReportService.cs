using System.Net;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.HostAgentSim.ControlPlaneLink;

/// <summary>
/// Sends every host's reports, in order, as a host agent does: held while frozen or restarting, retried with
/// backoff while the control plane is down or failing, given up after <see cref="MaxAttempts"/>
/// (the HostMonitor's next pass then finds what the report would have said).
/// </summary>
internal sealed partial class ReportService(
    HostDirectory directory,
    ControlPlaneClient client,
    ILogger<ReportService> logger) : BackgroundService
{
    private const int MaxAttempts = 8;
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Hosts are published once the server has bound its ports.
            while (!directory.Hosts.Any())
            {
                await Task.Delay(50, stoppingToken);
            }
            await Task.WhenAll(directory.Hosts.Select(host => SendAllAsync(host, stoppingToken)));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    private async Task SendAllAsync(SimulatedHost host, CancellationToken ct)
    {
        await foreach (var report in host.Reports.ReadAllAsync(ct))
        {
            var backoff = FirstBackoff;
            for (var attempt = 1; ; attempt++)
            {
                while (host.IsFrozen || host.IsDown || host.HostId is null)
                {
                    await Task.Delay(100, ct);
                }
                var status = await TrySendAsync(host, report, ct);
                if (status == HttpStatusCode.Accepted)
                {
                    host.CountReport();
                    break;
                }
                var retryable = status is null or HttpStatusCode.TooManyRequests or >= HttpStatusCode.InternalServerError;
                if (!retryable || attempt == MaxAttempts)
                {
                    LogGaveUp(host.Name, report.Type, report.SandboxId, status?.ToString() ?? "unreachable", attempt);
                    break;
                }
                await Task.Delay(backoff, ct);
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task<HttpStatusCode?> TrySendAsync(SimulatedHost host, HostReport report, CancellationToken ct)
    {
        try
        {
            return await client.ReportAsync(host, report, ct);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "host {Host}: gave up reporting {Type} of {SandboxId} ({Status}) after {Attempts} attempt(s)")]
    private partial void LogGaveUp(string host, string type, string sandboxId, string status, int attempts);
}
