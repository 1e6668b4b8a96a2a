using System.Threading.Channels;
using Lifecycle.Core.Store;
using Lifecycle.Core.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lifecycle.Reconciler;

/// <summary>
/// Runs HostMonitor passes on exactly one replica: whichever holds the <see cref="LeaderLease"/>.
/// The leader runs a pass over every host at once (so a restart settles what a crash interrupted), then
/// one slice of the hosts every interval / slices (each host once per interval), and on request (a host
/// back online, an operator). A standby tries to take the lease
/// every <see cref="HostMonitorOptions.LeaseRetryPeriod"/>. A leader that loses the lease stops mid-pass.
/// Only the leader listens to reconcile requests, so a request that no leader heard is known as such.
/// </summary>
public sealed partial class HostMonitor(
    ReconcilePass pass,
    ReconcileRequests requests,
    IOptions<PostgresOptions> postgres,
    IOptions<HostMonitorOptions> options,
    ILogger<HostMonitor> logger) : BackgroundService
{
    private readonly Channel<Guid?> _requested = Channel.CreateBounded<Guid?>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        await using var lease = new LeaderLease(postgres.Value.ConnectionString, settings.LeasePeriod, logger);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (!await lease.TryAcquireAsync(stoppingToken).ConfigureAwait(false))
            {
                await DelayAsync(settings.LeaseRetryPeriod, stoppingToken).ConfigureAwait(false);
                continue;
            }
            using var leadership = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            LogLeading();
            var listening = new Listening(requests, host => _requested.Writer.TryWrite(host), LogNoRequests);
            await listening.TryStartAsync().ConfigureAwait(false);
            var watch = WatchLeaseAsync(lease, leadership, listening);
            try
            {
                await LeadAsync(leadership.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                LogDeposed();
            }
            finally
            {
                await leadership.CancelAsync().ConfigureAwait(false);
                await watch.ConfigureAwait(false);
                await listening.StopAsync().ConfigureAwait(false);
                await lease.ReleaseAsync().ConfigureAwait(false);
            }
        }
    }

    private async Task LeadAsync(CancellationToken ct)
    {
        // Requests made while another replica led were its business.
        while (_requested.Reader.TryRead(out _))
        {
        }
        var settings = options.Value;
        var silenceCheckFrom = DateTimeOffset.UtcNow + settings.HeartbeatTimeout;
        // The first pass covers every host at once, so a start settles what a crash interrupted without
        // waiting for each slice's turn. Scheduled passes then go round the slices from slice 1, so the
        // passive phase (slice 0's) comes back one interval after this first pass ran it.
        var schedule = new SliceSchedule(settings.Interval, settings.Slices, firstSlice: 1, TimeProvider.System);
        var next = PassScope.AllHosts(silenceCheckFrom);
        // A pass is not awaited before the next is due: one still waiting on a hung host must not
        // hold the schedule (the pass skips hosts still in progress).
        var passes = new List<Task>();
        try
        {
            while (true)
            {
                passes.RemoveAll(p => p.IsCompleted);
                passes.Add(RunPassAsync(next, ct));
                next = await NextPassAsync(schedule, silenceCheckFrom, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            await Task.WhenAll(passes).ConfigureAwait(false);
        }
    }

    /// <summary>A requested pass (one host, or all hosts for an operator) if one comes before the next slice is due; else that slice.</summary>
    private async Task<PassScope> NextPassAsync(SliceSchedule schedule, DateTimeOffset silenceCheckFrom, CancellationToken ct)
    {
        var untilDue = schedule.UntilDue;
        if (untilDue > TimeSpan.Zero)
        {
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(ct);
            wait.CancelAfter(untilDue);
            try
            {
                var requested = await _requested.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
                return requested is { } host ? PassScope.Host(host, silenceCheckFrom) : PassScope.AllHosts(silenceCheckFrom);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                // the slice is due
            }
        }
        return new PassScope(null, schedule.TakeSlice(), schedule.Slices, silenceCheckFrom);
    }

    private async Task RunPassAsync(PassScope scope, CancellationToken ct)
    {
        try
        {
            await pass.RunAsync(scope, OwnsEveryHost, ct).ConfigureAwait(false);
        }
        catch (Exception ex) when (!ct.IsCancellationRequested)
        {
            // Postgres or Redis down: the next pass tries again.
            LogPassFailed(ex.GetType().Name, ex.Message);
        }
        catch (OperationCanceledException)
        {
            // Leadership ended or shutdown: stopped mid-pass, as it must.
        }
    }

    /// <summary>The leader answers for every host.</summary>
    private static bool OwnsEveryHost(Guid _) => true;

    /// <summary>
    /// Checks in on the lease every retry period (at most a third of the lease period); cancels the
    /// leadership when it is gone. Also subscribes to requests if Redis was away when leading began.
    /// </summary>
    private async Task WatchLeaseAsync(LeaderLease lease, CancellationTokenSource leadership, Listening listening)
    {
        var settings = options.Value;
        var every = settings.LeaseRetryPeriod < settings.LeasePeriod / 3 ? settings.LeaseRetryPeriod : settings.LeasePeriod / 3;
        while (!leadership.IsCancellationRequested)
        {
            await DelayAsync(every, leadership.Token).ConfigureAwait(false);
            if (leadership.IsCancellationRequested)
            {
                break;
            }
            if (!await lease.StillHeldAsync(CancellationToken.None).ConfigureAwait(false))
            {
                await leadership.CancelAsync().ConfigureAwait(false);
                break;
            }
            await listening.TryStartAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The leader's subscription to reconcile requests, held exactly while it leads.</summary>
    private sealed class Listening(ReconcileRequests requests, Action<Guid?> handler, Action<string> logFailure)
    {
        private IAsyncDisposable? _subscription;

        public async Task TryStartAsync()
        {
            if (_subscription is not null)
            {
                return;
            }
            try
            {
                _subscription = await requests.SubscribeAsync(handler).ConfigureAwait(false);
            }
            catch (StackExchange.Redis.RedisException ex)
            {
                // Passes still run on their interval; requests are only a shortcut. Tried again at each check-in.
                logFailure(ex.Message);
            }
        }

        public async Task StopAsync()
        {
            if (Interlocked.Exchange(ref _subscription, null) is not { } subscription)
            {
                return;
            }
            try
            {
                await subscription.DisposeAsync().ConfigureAwait(false);
            }
            catch (StackExchange.Redis.RedisException ex)
            {
                // Redis away: the handler is removed locally all the same, so it does not come back
                // with the connection.
                logFailure(ex.Message);
            }
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "HostMonitor: this replica leads; passes run here")]
    private partial void LogLeading();

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor: lease lost; stopped leading (mid-pass if one was running)")]
    private partial void LogDeposed();

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor pass failed: {ErrorType}: {Error}")]
    private partial void LogPassFailed(string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "HostMonitor: reconcile requests not (un)subscribed ({Error}); passes run on their interval meanwhile")]
    private partial void LogNoRequests(string error);
}
