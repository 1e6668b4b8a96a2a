using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// The at-once sender's marks (<see cref="OutboxStore.MarkSentAsync"/>), written a moment after the appends
/// (<see cref="OutboxOptions.MarkAfter"/>), many to a statement. By then the appliers have usually applied the events
/// and removed their rows, so most marks find nothing left to write: in the usual case an outbox row costs its INSERT
/// and its DELETE and nothing else, and the appliers' delete never waits behind a mark's row lock. A mark is a hint: one
/// not written (Postgres away, the process killed first) costs the relay one more append after
/// <see cref="OutboxOptions.AtOnceGrace"/>, which the appliers drop as a copy.
/// </summary>
public sealed partial class SentMarks(OutboxStore store, OutboxOptions options, ILogger logger)
{
    private readonly Lock _gate = new();
    private List<(Guid EventId, string StreamId)> _pending = [];

    /// <summary>Events just appended, under the entry ids they got.</summary>
    public void Add(IEnumerable<(Guid EventId, string StreamId)> sent)
    {
        lock (_gate)
        {
            _pending.AddRange(sent);
        }
    }

    /// <summary>Writes what is pending every <see cref="OutboxOptions.MarkAfter"/> until <paramref name="stopping"/>.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(options.MarkAfter);
        try
        {
            while (await timer.WaitForNextTickAsync(stopping))
            {
                await FlushAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the sender flushes once more.
        }
    }

    /// <summary>Writes every pending mark now.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        List<(Guid EventId, string StreamId)> due;
        lock (_gate)
        {
            if (_pending.Count == 0)
            {
                return;
            }
            (due, _pending) = (_pending, []);
        }
        foreach (var chunk in due.Chunk(options.BatchSize))
        {
            try
            {
                await store.MarkSentAsync(chunk, ct);
            }
            catch (Exception ex) when (ex is Npgsql.NpgsqlException or TimeoutException)
            {
                LogMarkFailed(chunk.Length, ex.Message);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} event(s) appended but not marked sent ({Error}); the relay appends them again, the appliers drop the copies")]
    private partial void LogMarkFailed(int count, string error);
}
