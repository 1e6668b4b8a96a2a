using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// Group commit for events recorded on their own: outcomes that arrive together (one per host call, hundreds a second
/// in a burst) are written by one INSERT and one commit, so the disk flushes once for all of them instead of once each.
/// A batch is whatever waits when the previous statement has committed, never a timer: an idle outbox writes an event
/// at once. Each caller returns when its own statement has committed, so "recorded" still means durable.
/// <para>
/// One statement at a time: while it waits on the disk, the next batch forms. Callers keep their order in the
/// statement, which is what <see cref="OutboxStore.RecordAsync"/> needs to name the earlier events of a sandbox recorded
/// in the same statement.
/// </para>
/// </summary>
public sealed class GroupRecorder(OutboxStore store)
{
    /// <summary>Events per statement at most: as many as the at-once sender appends per batch.</summary>
    public const int MaxPerStatement = 512;

    private readonly Lock _gate = new();
    private readonly Queue<Waiting> _waiting = new();
    private bool _writing;

    /// <summary>Writes <paramref name="records"/> with whatever else is waiting; the result is <see cref="OutboxStore.RecordAsync"/>'s.</summary>
    public Task<IReadOnlyDictionary<Guid, Guid[]>> RecordAsync(IReadOnlyList<OutboxRecord> records, CancellationToken ct)
    {
        var waiting = new Waiting(records);
        lock (_gate)
        {
            _waiting.Enqueue(waiting);
            if (_writing)
            {
                return waiting.Done.Task.WaitAsync(ct);
            }
            _writing = true;
        }
        _ = Task.Run(WriteWhileWaitingAsync, CancellationToken.None);
        return waiting.Done.Task.WaitAsync(ct);
    }

    /// <summary>Writes batch after batch until nobody waits; only one runs at a time.</summary>
    private async Task WriteWhileWaitingAsync()
    {
        while (true)
        {
            var batch = new List<Waiting>();
            lock (_gate)
            {
                var count = 0;
                // A caller's records stay together; the first is taken whatever its size.
                while (_waiting.TryPeek(out var next) && (batch.Count == 0 || count + next.Records.Count <= MaxPerStatement))
                {
                    batch.Add(_waiting.Dequeue());
                    count += next.Records.Count;
                }
                if (batch.Count == 0)
                {
                    _writing = false;
                    return;
                }
            }
            await WriteAsync(batch);
        }
    }

    private async Task WriteAsync(List<Waiting> batch)
    {
        try
        {
            // No caller's token: a statement written for many is not given up for one.
            var unsentBefore = await store.RecordAsync([.. batch.SelectMany(w => w.Records)], CancellationToken.None);
            foreach (var waiting in batch)
            {
                waiting.Done.TrySetResult(unsentBefore);
            }
        }
        catch (PostgresException ex) when (batch.Count > 1 && !ex.IsTransient)
        {
            // The statement itself was refused (not an outage): write each caller's records alone, so one that cannot
            // be written fails only its own caller.
            foreach (var waiting in batch)
            {
                await WriteAsync([waiting]);
            }
        }
        catch (Exception ex)
        {
            foreach (var waiting in batch)
            {
                waiting.Done.TrySetException(ex);
            }
        }
    }

    private sealed class Waiting(IReadOnlyList<OutboxRecord> records)
    {
        public IReadOnlyList<OutboxRecord> Records { get; } = records;

        public TaskCompletionSource<IReadOnlyDictionary<Guid, Guid[]>> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
