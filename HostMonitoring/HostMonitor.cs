using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// Runs HostMonitor passes over the hosts of the shards this replica owns (<see cref="HostShards"/>),
/// so every host is reconciled by exactly one replica in the normal case. A pass over all of them runs
/// when shards are taken (so a restart, or a dead replica's hosts, are settled at once) and on request
/// (a host back online, an operator); in between, scheduled passes go round the slices of the hosts
/// (<see cref="SliceSchedule"/>), so each host comes round once per interval without a spike. A replica listens to requests while it holds shards and
/// acts on the hosts it owns, so a request that no replica heard is known as such. Losing a shard stops
/// the passes under way.
/// </summary>
public sealed partial class HostMonitor : BackgroundService
{
    private readonly PassRequests _requested;
    private readonly ReconcilePass _pass;
    private readonly ReconcileRequests _requests;
    private readonly HostShards _shards;
    private readonly IOptions<HostMonitorOptions> _options;
    private readonly ILogger<HostMonitor> _logger;

    public HostMonitor(
        ReconcilePass pass, ReconcileRequests requests, HostShards shards, PassRequests requested, IOptions<HostMonitorOptions> options, ILogger<HostMonitor> logger)
    {
        _pass = pass;
        _requests = requests;
        _shards = shards;
        _options = options;
        _logger = logger;
        _requested = requested;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = _options.Value;
        // Scheduled passes go round the slices from slice 1: the first pass, when shards are taken,
        // covers every host and runs the passive phase (slice 0's).
        var schedule = new SliceSchedule(settings.Interval, settings.Slices, firstSlice: 1, TimeProvider.System);
        RequestListening? listening = null;
        // A pass is not awaited before the next is due: one still waiting on a hung host must not
        // hold the schedule (the pass skips hosts still in progress). Unsubscribes wait here too.
        var passes = new List<Task>();
        var next = PassScope.AllHosts(DateTimeOffset.MaxValue);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                passes.RemoveAll(p => p.IsCompleted);
                if (_shards.HoldingSince is { } since)
                {
                    listening ??= new RequestListening(_requests, _requested.Request, ex => LogNoRequests(ex.Message));
                    // No host is called silent until a whole heartbeat timeout after this replica took hosts.
                    passes.Add(RunPassAsync(next with { SilenceCheckFrom = since + settings.HeartbeatTimeout }, stoppingToken));
                }
                else if (listening is not null)
                {
                    // Not awaited here either: unsubscribing waits out the Redis client's timeout while Redis is away.
                    passes.Add(StopListeningAsync(listening));
                    listening = null;
                }
                next = await NextPassAsync(schedule, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            await Task.WhenAll(passes);
            if (listening is not null)
            {
                await StopListeningAsync(listening);
            }
        }
    }

    /// <summary>
    /// A requested pass (one host, or all hosts: an operator, or shards taken or lost) if one comes before
    /// the next slice is due; else that slice. Its <see cref="PassScope.SilenceCheckFrom"/> is set when it runs.
    /// </summary>
    private async Task<PassScope> NextPassAsync(SliceSchedule schedule, CancellationToken ct)
    {
        var untilDue = schedule.UntilDue;
        if (untilDue > TimeSpan.Zero)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(untilDue);
            try
            {
                var only = await _requested.Reader.ReadAsync(wait.Token);
                // Requests that piled up meanwhile (a shard taken is one each) are covered by one pass over all.
                while (_requested.Reader.TryRead(out var more))
                {
                    if (only != more)
                    {
                        only = null;
                    }
                }
                return only is { } host ? PassScope.Host(host, DateTimeOffset.MaxValue) : PassScope.AllHosts(DateTimeOffset.MaxValue);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // the slice is due
            }
        }
        return new PassScope(null, schedule.TakeSlice(), schedule.Slices, DateTimeOffset.MaxValue);
    }

    private async Task RunPassAsync(PassScope scope, CancellationToken stoppingToken)
    {
        using var owned = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, _shards.LossToken);
        try
        {
            await _pass.RunAsync(scope, _shards.OwnsHost, owned.Token);
        }
        catch (Exception ex) when (!owned.IsCancellationRequested)
        {
            // Postgres or Redis down: the next pass tries again.
            LogPassFailed(ex.GetType().Name, ex.Message);
        }
        catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
        {
            LogShardLost();
        }
        catch (OperationCanceledException)
        {
            // Shutting down: stopped mid-pass, as it must.
        }
    }

    private async Task StopListeningAsync(RequestListening listening)
    {
        try
        {
            await listening.DisposeAsync();
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            LogNoRequests(ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor: a shard of hosts was lost or handed over; the passes under way stopped")]
    private partial void LogShardLost();

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor pass failed: {ErrorType}: {Error}")]
    private partial void LogPassFailed(string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor: reconcile requests not (un)subscribed ({Error}); passes run on their interval meanwhile, and subscribing is tried again each second")]
    private partial void LogNoRequests(string error);
}
