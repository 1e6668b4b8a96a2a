using Lifecycle.Contract.Events;
using Lifecycle.Contract.Timeouts;
using Lifecycle.ControlPlane.Operations;
using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Options;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>
/// The control plane's side of the time to live: every <see cref="TimeoutOptions.EvictorInterval"/> it reads the
/// sandboxes of the hosts this replica owns expired longer than <see cref="TimeoutOptions.HostGrace"/> ago (the HostMonitor's shards, so with any number of replicas each
/// expiry is acted on by one) and asks for what <see cref="Expiry"/> says, through the one request path, as actor
/// <see cref="Actors.Evictor"/>. Its memory is the rows' <c>expires_at</c> in Postgres. Its request applies only while
/// the sandbox is still expired (an extension that lands first wins), and the version fence settles a race with the
/// host's own pause or exit: one transition, whoever is first.
/// </summary>
public sealed partial class Evictor(
    TimeoutStore store,
    HostStore hosts,
    OperationRequests requests,
    HostShards shards,
    TimeProvider clock,
    IOptions<TimeoutOptions> options,
    ILogger<Evictor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.EvictorInterval, clock);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                if (shards.HoldingSince is null)
                {
                    continue;
                }
                try
                {
                    await RoundAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Postgres or Redis away: the next round tries again.
                    LogRoundFailed(ex.GetType().Name, ex.Message);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round over this replica's hosts; returns how many requests it made.</summary>
    public async Task<int> RoundAsync(CancellationToken ct)
    {
        var owned = (await hosts.ListAsync(ct)).Select(h => h.Id).Where(shards.OwnsHost).ToList();
        if (owned.Count == 0)
        {
            return 0;
        }
        // Expired longer ago than the host's grace: what a working host has not acted on by now is the evictor's.
        var now = clock.GetUtcNow() - options.Value.HostGrace;
        var expired = await store.ExpiredAsync(owned, now, options.Value.EvictorBatch, ct);
        var made = 0;
        await Parallel.ForEachAsync(expired, new ParallelOptions { MaxDegreeOfParallelism = options.Value.EvictorParallelism, CancellationToken = ct },
            async (sandbox, token) =>
            {
                if (Expiry.Due(sandbox.Status, sandbox.OnTimeout, sandbox.ExpiresAt.AsUtc(), sandbox.LifetimeEndsAt.AsUtc(), now) is not { } due)
                {
                    return;
                }
                var request = new OperationRequest(due.Operation, sandbox.TeamId, sandbox.Id, Actors.Evictor, due.Reason, OnlyIfExpiredBy: now);
                if (await requests.RequestAsync(request, token) is RequestOutcome.Accepted)
                {
                    Interlocked.Increment(ref made);
                    LogRequested(due.Operation.Name, sandbox.Id, due.Reason, sandbox.ExpiresAt);
                }
            });
        return made;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Evictor: {Operation} of sandbox {SandboxId} requested ({Reason}; expired at {ExpiresAt:O})")]
    private partial void LogRequested(string operation, Guid sandboxId, string reason, DateTime expiresAt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Evictor round failed: {ErrorType}: {Error}")]
    private partial void LogRoundFailed(string errorType, string error);
}
