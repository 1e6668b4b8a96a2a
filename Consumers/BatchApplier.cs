using Lifecycle.Core.Events;
using Lifecycle.Core.Store;
using Lifecycle.Core.Transitions;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// Applies one batch of stream entries: every readable event as a compare-and-set in one
/// Postgres transaction (in stream order), unreadable ones to the dead-letter stream. Only
/// after the commit does it acknowledge the whole batch, with one XACK.
/// </summary>
public sealed class BatchApplier(
    NpgsqlDataSource dataSource,
    SandboxStore sandboxes,
    TransitionHistoryStore history,
    DeadLetterWriter deadLetters,
    IConnectionMultiplexer redis,
    Core.Streams.StreamKeys keys,
    ApplyCounters counters)
{
    /// <summary>Entries' outcomes, in the order given.</summary>
    public async Task<IReadOnlyList<ApplyOutcome>> ApplyAsync(StreamEntry[] entries, string consumer, CancellationToken ct)
    {
        var outcomes = new ApplyOutcome[entries.Length];
        var events = new (int Index, StateEvent Event)[entries.Length];
        var eventCount = 0;
        var dead = new List<(StreamEntry Entry, string Reason)>();
        for (var i = 0; i < entries.Length; i++)
        {
            if (!StreamFields.TryDecode(entries[i].Values, out var stateEvent, out var error))
            {
                outcomes[i] = ApplyOutcome.DeadLettered;
                dead.Add((entries[i], error));
            }
            else if (TransitionTable.Get(stateEvent.Type).EmittedBy == Emitter.Api)
            {
                outcomes[i] = ApplyOutcome.AppliedByApi;
            }
            else
            {
                events[eventCount++] = (i, stateEvent);
            }
        }

        if (eventCount > 0)
        {
            await ApplyInOneTransactionAsync(events.AsMemory(0, eventCount), outcomes, ct).ConfigureAwait(false);
        }
        if (dead.Count > 0)
        {
            var batch = deadLetters.CreateBatch();
            var writes = dead.Select(d => deadLetters.WriteAsync(batch, d.Entry, d.Reason, consumer)).ToList();
            batch.Execute();
            await Task.WhenAll(writes).ConfigureAwait(false);
        }

        await redis.GetDatabase()
            .StreamAcknowledgeAsync(keys.Events, Core.Streams.StreamKeys.ApplierGroup, [.. entries.Select(e => e.Id)])
            .ConfigureAwait(false);
        Count(entries, outcomes);
        return outcomes;
    }

    /// <summary>
    /// One set-based statement per round, all in one transaction: round k holds the k-th event of
    /// each sandbox in the batch, so one sandbox's events apply in stream order, and a burst over
    /// many sandboxes (the usual case) takes a single round trip.
    /// </summary>
    private async Task ApplyInOneTransactionAsync(
        ReadOnlyMemory<(int Index, StateEvent Event)> events, ApplyOutcome[] outcomes, CancellationToken ct)
    {
        var skipped = new List<(int Index, Guid EventId)>();
        await using (var conn = await dataSource.OpenConnectionAsync(ct).ConfigureAwait(false))
        await using (var tx = await conn.BeginTransactionAsync(ct).ConfigureAwait(false))
        {
            foreach (var round in Rounds(events))
            {
                var batch = round.Select(r => r.Event).ToList();
                var moved = await sandboxes.TryTransitionAllAsync(batch, new DateTimeOffset?[batch.Count], conn, tx, ct).ConfigureAwait(false);
                var movedSandboxes = moved.Select(row => row.Id).ToHashSet();
                foreach (var (index, stateEvent) in round)
                {
                    if (movedSandboxes.Contains(stateEvent.SandboxId))
                    {
                        outcomes[index] = ApplyOutcome.Applied;
                    }
                    else
                    {
                        skipped.Add((index, stateEvent.EventId));
                    }
                }
            }
            await tx.CommitAsync(ct).ConfigureAwait(false);
        }

        if (skipped.Count > 0)
        {
            // Rare, so told apart only when it happens: a redelivery is in history, a stale event is not.
            var recorded = await history.RecordedAsync([.. skipped.Select(s => s.EventId)], ct).ConfigureAwait(false);
            foreach (var (index, eventId) in skipped)
            {
                outcomes[index] = recorded.Contains(eventId) ? ApplyOutcome.Duplicate : ApplyOutcome.Stale;
            }
        }
    }

    private static List<List<(int Index, StateEvent Event)>> Rounds(ReadOnlyMemory<(int Index, StateEvent Event)> events)
    {
        var rounds = new List<List<(int Index, StateEvent Event)>>();
        var seen = new Dictionary<Guid, int>();
        foreach (var item in events.Span)
        {
            seen.TryGetValue(item.Event.SandboxId, out var round);
            seen[item.Event.SandboxId] = round + 1;
            if (round == rounds.Count)
            {
                rounds.Add([]);
            }
            rounds[round].Add(item);
        }
        return rounds;
    }

    private void Count(StreamEntry[] entries, ApplyOutcome[] outcomes)
    {
        for (var i = 0; i < entries.Length; i++)
        {
            var type = entries[i][StreamFields.Type];
            counters.Add(outcomes[i], type.IsNullOrEmpty ? "unknown" : type.ToString());
        }
    }
}
