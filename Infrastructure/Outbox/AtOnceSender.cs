using System.Threading.Channels;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// The at-once path: appends events this process has just recorded, right after their commit, so an event reaches the
/// stream in about a millisecond while the request that made it has already been answered. It never waits for Redis on
/// anyone's behalf: what it cannot send now (Redis away, its queue full, an append that failed) stays in the outbox for
/// the partition's relay.
/// <para>
/// Per sandbox, events reach the stream in the order they were recorded. One loop sends, in batches, at most one event
/// per sandbox per round, and sends an event only if every earlier event of its sandbox that was not on the stream yet
/// was appended by this loop already. Those earlier events come with the event when its recording named them (an
/// outcome's, a create request's: <see cref="OutboxEntry.EarlierUnsent"/>); for the rest the loop asks the outbox, once
/// per round. An event that waits on another is left to the relay, which sends a partition's events in recorded order, after <see cref="OutboxOptions.AtOnceGrace"/>: an event
/// the relay sends is older than that, and every earlier event of its sandbox is either on the stream or in the
/// relay's own batch ahead of it.
/// </para>
/// </summary>
public sealed partial class AtOnceSender : IHostedService, IDisposable
{
    /// <summary>How many events this loop remembers having appended: far more than can be unsent behind one that waits.</summary>
    private const int Remembered = 65_536;

    private readonly OutboxStore _store;
    private readonly EventPublisher _publisher;
    private readonly OutboxCounters _counters;
    private readonly OutboxOptions _options;
    private readonly ILogger<AtOnceSender> _logger;
    private readonly Channel<OutboxEntry> _queue;
    private readonly HashSet<Guid> _appended = [];
    private readonly Queue<Guid> _appendedOrder = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly CancellationTokenSource _stopMarking = new();
    private readonly SentMarks _marks;
    private Task _loop = Task.CompletedTask;
    private Task _marking = Task.CompletedTask;

    public AtOnceSender(OutboxStore store, EventPublisher publisher, OutboxCounters counters, IOptions<OutboxOptions> options, ILogger<AtOnceSender> logger)
    {
        (_store, _publisher, _counters, _options, _logger) = (store, publisher, counters, options.Value, logger);
        _marks = new SentMarks(store, _options, logger);
        _queue = Channel.CreateBounded<OutboxEntry>(new BoundedChannelOptions(_options.AtOnceQueue)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.DropWrite,
        });
    }

    /// <summary>Hands over events whose records have committed (<see cref="OutboxEntry.Of"/>); returns at once.</summary>
    public void Send(IEnumerable<OutboxEntry> entries)
    {
        foreach (var entry in entries)
        {
            if (!_publisher.IsConnected)
            {
                _counters.Deferred(OutboxCounters.Deferrals.RedisAway, 1);
            }
            else if (!_queue.Writer.TryWrite(entry))
            {
                _counters.Deferred(OutboxCounters.Deferrals.QueueFull, 1);
            }
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _loop = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        _marking = Task.Run(() => _marks.RunAsync(_stopMarking.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>Sends and marks what is queued until the host's stop gives up; what is left is the relay's after the grace.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await using var giveUp = cancellationToken.Register(_stopping.Cancel);
        await _loop;
        await _stopMarking.CancelAsync();
        await _marking;
        try
        {
            await _marks.FlushAsync(_stopping.Token);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Gave up: what stays unmarked the relay appends again after the grace.
        }
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _stopMarking.Dispose();
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var batch = new List<OutboxEntry>(_options.BatchSize);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stopping))
            {
                while (batch.Count < _options.BatchSize && _queue.Reader.TryRead(out var entry))
                {
                    batch.Add(entry);
                }
                await SendAsync(batch, stopping);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopped before the queue emptied: the relay sends the rest.
        }
    }

    private async Task SendAsync(List<OutboxEntry> batch, CancellationToken ct)
    {
        var rest = batch;
        while (rest.Count > 0)
        {
            var (round, later) = Rounds.Split(rest);
            await SendRoundAsync(round, ct);
            rest = later;
        }
    }

    private async Task SendRoundAsync(List<OutboxEntry> round, CancellationToken ct)
    {
        IReadOnlyDictionary<Guid, Guid[]> asked = new Dictionary<Guid, Guid[]>();
        if (round.Where(e => e.EarlierUnsent is null).Select(e => e.EventId).ToArray() is { Length: > 0 } unknown)
        {
            try
            {
                asked = await _store.UnsentBeforeAsync(unknown, ct);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                _counters.Deferred(OutboxCounters.Deferrals.PostgresAway, unknown.Length);
                LogPostgresAway(unknown.Length, ex.Message);
                round = [.. round.Where(e => e.EarlierUnsent is not null)];
            }
        }
        var sendable = new List<OutboxEntry>(round.Count);
        foreach (var entry in round)
        {
            IReadOnlyCollection<Guid> unsent;
            if (entry.EarlierUnsent is { } known)
            {
                unsent = known;
            }
            else if (asked.TryGetValue(entry.EventId, out var found))
            {
                unsent = found;
            }
            else
            {
                // Missing from the outbox's answer: on the stream already (the relay's) or applied, nothing to do.
                continue;
            }
            if (unsent.All(_appended.Contains))
            {
                sendable.Add(entry);
            }
            else
            {
                _counters.Deferred(OutboxCounters.Deferrals.EarlierUnsent, 1);
            }
        }
        if (sendable.Count == 0)
        {
            return;
        }
        var ids = await _publisher.AppendAsync(sendable);
        var sent = new List<(Guid EventId, string StreamId)>(sendable.Count);
        for (var i = 0; i < sendable.Count; i++)
        {
            if (ids[i] is { } id)
            {
                Remember(sendable[i].EventId);
                sent.Add((sendable[i].EventId, id));
            }
        }
        if (sent.Count < sendable.Count)
        {
            _counters.Deferred(OutboxCounters.Deferrals.AppendFailed, sendable.Count - sent.Count);
            LogAppendFailed(sendable.Count - sent.Count);
        }
        if (sent.Count == 0)
        {
            return;
        }
        _counters.Sent(OutboxCounters.Paths.AtOnce, sent.Count);
        _marks.Add(sent);
    }

    private void Remember(Guid eventId)
    {
        if (_appended.Add(eventId))
        {
            _appendedOrder.Enqueue(eventId);
            if (_appendedOrder.Count > Remembered)
            {
                _appended.Remove(_appendedOrder.Dequeue());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not check {Count} recorded event(s) before sending them ({Error}); the relay sends them")]
    private partial void LogPostgresAway(int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Appending {Count} recorded event(s) failed; the relay sends them")]
    private partial void LogAppendFailed(int count);
}
