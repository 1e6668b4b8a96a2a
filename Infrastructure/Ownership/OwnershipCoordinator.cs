using System.Collections.Concurrent;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.Infrastructure.Ownership;

/// <summary>
/// This replica's share of the work. Every <see cref="OwnershipOptions.RenewPeriod"/> it heartbeats,
/// reads the live replicas, computes who should own each slot (<see cref="SlotAssignment"/>), renews the
/// leases it holds, hands over the ones that should be another's (stopping their work first), and takes
/// the free ones it should own, running <see cref="ISlotWork.RunAsync"/> for each slot it holds.
/// One owner per slot is what the leases give in the normal case; two for a moment (a replica cut off
/// from Postgres that has not yet noticed) are safe because every write is a compare-and-set.
/// </summary>
public sealed partial class OwnershipCoordinator(
    IEnumerable<ISlotWork> works,
    IOptions<PostgresOptions> postgres,
    IOptions<OwnershipOptions> options,
    IOptions<ReplicaOptions> replica,
    TimeProvider clock,
    ILogger<OwnershipCoordinator> logger) : BackgroundService
{
    private readonly string _name = replica.Value.ResolveName();
    private readonly Dictionary<LeaseKind, KindState> _kinds = works.ToDictionary(w => w.Kind, w => new KindState(w));
    private long _renewedAt;

    // Set by a round that wanted slots still held by another (handing them over to this replica):
    // the next round comes sooner, so they do not sit unowned for most of a renew period once given up.
    private bool _waitingForHandover;

    public string ReplicaName => _name;

    /// <summary>Whether this replica holds the slot's lease now (a slot being handed over counts until it is given up).</summary>
    public bool Owns(LeaseKind kind, int slot) => _kinds.TryGetValue(kind, out var state) && state.Held.ContainsKey(slot);

    public IReadOnlyCollection<int> Owned(LeaseKind kind) =>
        _kinds.TryGetValue(kind, out var state) ? [.. state.Held.Keys.Order()] : [];

    /// <summary>Since when this replica has held at least one slot of the kind without a break; null when it holds none.</summary>
    public DateTimeOffset? HoldingSince(LeaseKind kind) => _kinds.TryGetValue(kind, out var state) ? state.Since : null;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_kinds.Count == 0)
        {
            return;
        }
        var settings = options.Value;
        NpgsqlConnection? session = null;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    session ??= await JoinAsync(stoppingToken);
                    if (session is not null)
                    {
                        var started = clock.GetTimestamp();
                        await RoundAsync(session, stoppingToken);
                        _renewedAt = started;
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(ex.GetType().Name, ex.Message);
                    if (session is not null)
                    {
                        // Ending the session frees this replica's name, so others may take its slots
                        // from now on: stop their work at once rather than run beside a new owner.
                        await session.DisposeAsync();
                        session = null;
                        DropAll("the membership session failed");
                        _renewedAt = 0;
                    }
                }
                // Leases not renewed for most of a period may already be another's: stop their work.
                if (_renewedAt != 0 && clock.GetElapsedTime(_renewedAt) > settings.LeasePeriod - settings.EffectiveRenewPeriod)
                {
                    DropAll("leases not renewed in time");
                    _renewedAt = 0;
                }
                await DelayAsync(_waitingForHandover ? settings.EffectiveRenewPeriod / 4 : settings.EffectiveRenewPeriod, stoppingToken);
            }
        }
        finally
        {
            await LeaveAsync(session);
        }
    }

    /// <summary>A membership session holding this replica's name lock, joined; null when the name is taken.</summary>
    private async Task<NpgsqlConnection?> JoinAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var builder = new NpgsqlConnectionStringBuilder(postgres.Value.ConnectionString)
        {
            Pooling = false,
            ApplicationName = $"lifecycle-replica {_name}",
            Timeout = Math.Max(1, (int)settings.EffectiveRenewPeriod.TotalSeconds),
            CommandTimeout = Math.Max(1, (int)(settings.LeasePeriod / 3).TotalSeconds),
        };
        var session = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await session.OpenAsync(ct);
            // Postgres ends the session of a replica that stops talking, freeing its name and its slots.
            await using (var idle = new NpgsqlCommand($"SET idle_session_timeout = {(long)settings.LeasePeriod.TotalMilliseconds}", session))
            {
                await idle.ExecuteNonQueryAsync(ct);
            }
            if (!await LeaseStore.TryLockNameAsync(session, _name, ct))
            {
                LogNameTaken(_name);
                await session.DisposeAsync();
                return null;
            }
            await LeaseStore.JoinAsync(session, _name, _kinds.Values.ToDictionary(k => k.Work.Kind.Name, k => k.Work.SlotCount), ct);
            LogJoined(_name, string.Join(", ", _kinds.Keys));
            return session;
        }
        catch
        {
            await session.DisposeAsync();
            throw;
        }
    }

    private async Task RoundAsync(NpgsqlConnection session, CancellationToken ct)
    {
        var settings = options.Value;
        var live = await LeaseStore.HeartbeatAsync(session, _name, settings.LeasePeriod, ct);
        var liveNames = live.Select(r => r.Name).ToArray();
        var waiting = false;
        foreach (var (kind, state) in _kinds)
        {
            var participants = live.Where(r => r.Kinds.Contains(kind.Name)).Select(r => r.Name).Append(_name).Distinct().ToList();
            var desired = SlotAssignment.For(kind, state.Work.SlotCount, participants, _name);

            var held = state.Held.Keys.ToArray();
            if (held.Length > 0)
            {
                var renewed = (await LeaseStore.RenewAsync(session, _name, kind, held, settings.LeasePeriod, ct))
                    .ToDictionary(h => h.Slot, h => h.Fence);
                foreach (var slot in held.Where(s => !renewed.TryGetValue(s, out var fence) || fence != state.Held[s].Fence))
                {
                    Lose(state, slot, "its lease is another's now");
                }
            }
            await HandOverAsync(session, state, desired, ct);

            var wanted = desired.Where(s => !state.Held.ContainsKey(s)).Order().ToArray();
            if (wanted.Length > 0)
            {
                var taken = await LeaseStore.AcquireAsync(session, _name, kind, wanted, liveNames, settings.LeasePeriod, ct);
                foreach (var lease in taken)
                {
                    Start(state, lease);
                }
                waiting |= taken.Count < wanted.Length;
            }
            state.Since = state.Held.IsEmpty ? null : state.Since ?? clock.GetUtcNow();
        }
        _waitingForHandover = waiting;
    }

    /// <summary>Slots that should be another's: their work is asked to stop, and once it has (or its grace ran out) the lease is given up.</summary>
    private async Task HandOverAsync(NpgsqlConnection session, KindState state, IReadOnlySet<int> desired, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        foreach (var (slot, holding) in state.Held.Where(h => !desired.Contains(h.Key)))
        {
            if (holding.ReleasingSince is null)
            {
                LogHandingOver(state.Work.Kind.Name, slot);
            }
            holding.StopForHandover(now);
        }
        // Stopping is usually quick (a consumer finishes the batch in hand): wait a little, so the
        // leases are given up in this round rather than the next and their new owner takes them sooner.
        var stopping = state.Held.Values.Where(h => h.ReleasingSince is not null).Select(h => h.Work).ToList();
        if (stopping.Count > 0)
        {
            await Task.WhenAny(Task.WhenAll(stopping), Task.Delay(options.Value.EffectiveRenewPeriod / 4, ct));
        }
        var done = state.Held
            .Where(h => h.Value.ReleasingSince is { } since && (h.Value.Work.IsCompleted || now - since > options.Value.ReleaseGrace))
            .Select(h => h.Key).ToArray();
        if (done.Length == 0)
        {
            return;
        }
        await LeaseStore.ReleaseAsync(session, _name, state.Work.Kind, done, ct);
        foreach (var slot in done)
        {
            state.Held.TryRemove(slot, out _);
        }
    }

    private void Start(KindState state, LeaseStore.Held taken)
    {
        var owned = new CancellationTokenSource();
        var work = Task.Run(async () =>
        {
            // Work that fails is started again while the slot is held: a held slot nobody works is limbo.
            while (!owned.IsCancellationRequested)
            {
                try
                {
                    await state.Work.RunAsync(taken.Slot, owned.Token);
                }
                catch (OperationCanceledException) when (owned.IsCancellationRequested)
                {
                }
                catch (Exception ex)
                {
                    LogWorkFailed(state.Work.Kind.Name, taken.Slot, ex);
                }
                await DelayAsync(options.Value.EffectiveRenewPeriod, owned.Token);
            }
        }, CancellationToken.None);
        state.Held[taken.Slot] = new SlotHolding(taken.Fence, owned, work);
        LogTaken(state.Work.Kind.Name, taken.Slot, taken.Fence);
    }

    private void Lose(KindState state, int slot, string why)
    {
        if (state.Held.TryRemove(slot, out var holding))
        {
            holding.Stop();
            LogLost(state.Work.Kind.Name, slot, why);
        }
    }

    private void DropAll(string why)
    {
        foreach (var state in _kinds.Values)
        {
            foreach (var slot in state.Held.Keys)
            {
                Lose(state, slot, why);
            }
            state.Since = null;
        }
    }

    /// <summary>Shutting down: every slot's work stops (within the grace), then the leases are given up so others take them at once.</summary>
    private async Task LeaveAsync(NpgsqlConnection? session)
    {
        var holdings = _kinds.Values.SelectMany(k => k.Held.Values).ToList();
        foreach (var holding in holdings)
        {
            holding.Stop();
        }
        await Task.WhenAny(Task.WhenAll(holdings.Select(h => h.Work)), Task.Delay(options.Value.ReleaseGrace));
        foreach (var state in _kinds.Values)
        {
            state.Held.Clear();
            state.Since = null;
        }
        if (session is null)
        {
            return;
        }
        try
        {
            using var timeout = new CancellationTokenSource(options.Value.EffectiveRenewPeriod);
            await LeaseStore.LeaveAsync(session, _name, timeout.Token);
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            // The leases expire by themselves; the session's end frees the name at once anyway.
            LogLeaveFailed(ex.Message);
        }
        finally
        {
            await session.DisposeAsync();
        }
    }

    private static async Task DelayAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class KindState(ISlotWork work)
    {
        public ISlotWork Work { get; } = work;

        public ConcurrentDictionary<int, SlotHolding> Held { get; } = new();

        public DateTimeOffset? Since { get; set; }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replica {Replica} joined; works {Kinds}")]
    private partial void LogJoined(string replica, string kinds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Replica name {Replica} is held by another live process; waiting for it to go")]
    private partial void LogNameTaken(string replica);

    [LoggerMessage(Level = LogLevel.Information, Message = "Took {Kind} slot {Slot} (fence {Fence})")]
    private partial void LogTaken(string kind, int slot, long fence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Handing over {Kind} slot {Slot}: another replica should own it")]
    private partial void LogHandingOver(string kind, int slot);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Lost {Kind} slot {Slot}: {Why}")]
    private partial void LogLost(string kind, int slot, string why);

    [LoggerMessage(Level = LogLevel.Error, Message = "Work for {Kind} slot {Slot} failed")]
    private partial void LogWorkFailed(string kind, int slot, Exception ex);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Ownership round failed ({ErrorType}: {Error}); will try again")]
    private partial void LogRoundFailed(string errorType, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give up leases on shutdown ({Error}); they expire by themselves")]
    private partial void LogLeaveFailed(string error);
}
