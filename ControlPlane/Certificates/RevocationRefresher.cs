using Lifecycle.Infrastructure.Trust;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Certificates;

/// <summary>
/// Loads the CA at start (so bad CA files stop the process with their reason, and the insecure flag is
/// shouted), then keeps this replica's revoked set in step with Postgres, which another replica's
/// decommission writes to.
/// </summary>
public sealed partial class RevocationRefresher(
    HostTrust trust,
    HostCertificates certificates,
    IOptions<HostTrustOptions> options,
    ILogger<RevocationRefresher> logger) : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromSeconds(3);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        if (trust.Insecure)
        {
            LogInsecure(HostTrustOptions.Section, trust.Authority is null ? "no CA: every host is plaintext" : "https hosts still get TLS");
        }
        else
        {
            // Made now: a replica that cannot issue itself a certificate should fail at start, not at its first call.
            _ = trust.ClientCertificate;
            LogTrust(options.Value.CaCertificatePath, trust.Lifetime);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        do
        {
            try
            {
                await certificates.RefreshRevokedAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                // Postgres away: the set stays as it was, and the next tick tries again.
                LogRefreshFailed(ex.GetType().Name, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "INSECURE: {Section}:Insecure is on ({What}). Host agents on http:// addresses are called in plaintext, unauthenticated, and register without a CSR. For development only.")]
    private partial void LogInsecure(string section, string what);

    [LoggerMessage(Level = LogLevel.Information, Message = "Host trust: CA {CaCertificatePath}, certificates valid for {Lifetime}")]
    private partial void LogTrust(string caCertificatePath, TimeSpan lifetime);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not refresh the revoked host certificates: {Kind}: {Error}")]
    private partial void LogRefreshFailed(string kind, string error);
}
