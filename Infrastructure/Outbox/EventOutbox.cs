using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// How every producer of state events hands them over: recorded in Postgres first (durable before published), then
/// given to the <see cref="AtOnceSender"/>, which appends them without the producer waiting. Whatever it cannot append
/// the partition's <see cref="PartitionRelay"/> does.
/// </summary>
public sealed class EventOutbox(OutboxStore store, StreamKeys keys, AtOnceSender sender)
{
    private readonly GroupRecorder _recorder = new(store);

    /// <summary>The outbox record of an event, for a statement that writes it with its own change (a request's).</summary>
    public OutboxRecord RecordOf(StateEvent stateEvent) => new(stateEvent, keys.For(stateEvent.SandboxId).Index);

    /// <summary>
    /// A record the caller's own statement has committed: send it now. A sandbox's first event (its create request)
    /// follows none, so nothing of its sandbox can be unsent before it; for any other the sender asks the outbox.
    /// </summary>
    public void Committed(OutboxRecord record) =>
        sender.Send([OutboxEntry.Of(record, TransitionTable.Get(record.Event.Type).CreatesRow ? [] : null)]);

    /// <summary>
    /// Records events on their own (an outcome, a host's report, corrections), committed with whatever other callers
    /// record at the same time (<see cref="GroupRecorder"/>), then sends them.
    /// </summary>
    public async Task RecordAsync(IReadOnlyList<StateEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return;
        }
        var records = events.Select(RecordOf).ToList();
        var unsentBefore = await _recorder.RecordAsync(records, ct);
        sender.Send([.. records.Select(r => OutboxEntry.Of(r, unsentBefore.GetValueOrDefault(r.Event.EventId)))]);
    }

    /// <inheritdoc cref="RecordAsync(IReadOnlyList{StateEvent}, CancellationToken)"/>
    public Task RecordAsync(StateEvent stateEvent, CancellationToken ct) => RecordAsync([stateEvent], ct);
}
