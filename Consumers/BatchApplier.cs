using System.Diagnostics;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Consumers;

/// <summary>
/// Applies one batch of one partition's stream entries: every readable event as a compare-and-set in one
/// Postgres transaction (in stream order), unreadable ones to the dead-letter stream. The same transaction removes
/// the batch's events from the outbox: seen on the stream, they need not be sent again. Only
/// after the commit does it acknowledge the whole batch, with one XACK, and name the sandboxes it
/// changed to waiting long polls.
/// </summary>
public sealed class BatchApplier(
    NpgsqlDataSource dataSource,
    SandboxStore sandboxes,
    TransitionHistoryStore history,
    OutboxStore outbox,
    DeadLetters deadLetters,
    IOptions<ApplierOptions> options,
    IConnectionMultiplexer redis,
    SandboxChanges changes,
    ApplyCounters counters,
    SandboxStops stops)
{
    /// <summary>
    /// Entries' outcomes, in the order given. <paramref name="deliveries"/> holds the delivery counts
    /// of re-delivered entries (own pending, or claimed); an entry missing from it was delivered once.
    /// </summary>
    public async Task<IReadOnlyList<ApplyOutcome>> ApplyAsync(
        PartitionKeys partition, StreamEntry[] entries, IReadOnlyDictionary<string, long>? deliveries, string consumer, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var outcomes = new ApplyOutcome[entries.Length];
        var events = new (int Index, StateEvent Event)[entries.Length];
        var eventCount = 0;
        var dead = new List<DeadLetters.Letter>();
        var apiApplied = new List<Guid>();
        // Every event the batch holds, whatever becomes of it: applied, stale, a copy, or dead-lettered.
        var seen = new List<Guid>(entries.Length);
        var maxDeliveries = options.Value.MaxDeliveries;
        for (var i = 0; i < entries.Length; i++)
        {
            var delivered = deliveries?.GetValueOrDefault(entries[i].Id.ToString(), 1) ?? 1;
            if (!StreamEvents.TryDecode(entries[i].Values ?? [], out var stateEvent, out var error))
            {
                if (entries[i].Values is { Length: > 0 } && Guid.TryParse(entries[i][StreamFields.EventId].ToString(), out var unreadableId))
                {
                    seen.Add(unreadableId);
                }
                outcomes[i] = ApplyOutcome.DeadLettered;
                var trimmed = entries[i].Values is null or [];
                dead.Add(new(entries[i].Id, entries[i].Values ?? [], trimmed ? DeadLetters.TrimmedWhilePending : error, delivered,
                    trimmed ? DeadLetters.Kinds.TrimmedWhilePending : DeadLetters.Kinds.Unreadable));
            }
            else if (delivered > maxDeliveries)
            {
                seen.Add(stateEvent.EventId);
                outcomes[i] = ApplyOutcome.DeadLettered;
                dead.Add(new(entries[i].Id, entries[i].Values, $"delivered {delivered} times (more than {maxDeliveries})", delivered, DeadLetters.Kinds.TooManyDeliveries));
            }
            else if (TransitionTable.Get(stateEvent.Type).EmittedBy == Emitter.Api)
            {
                seen.Add(stateEvent.EventId);
                outcomes[i] = ApplyOutcome.AppliedByApi;
                apiApplied.Add(stateEvent.SandboxId);
            }
            else
            {
                seen.Add(stateEvent.EventId);
                events[eventCount++] = (i, stateEvent);
            }
        }

        var removed = false;
        if (eventCount > 0)
        {
            try
            {
                await ApplyInOneTransactionAsync(events.AsMemory(0, eventCount), outcomes, seen, ct);
                removed = true;
            }
            catch (PostgresException ex) when (!ex.IsTransient)
            {
                // Postgres refuses something in the batch itself (a NUL byte in a text field, say):
                // apply one event at a time, so only the offender is set aside and the rest apply.
                await ApplyOneByOneAsync(events.AsMemory(0, eventCount), outcomes, dead, entries, deliveries, ct);
            }
        }
        if (!removed)
        {
            // Nothing to apply (requests, dead letters), or applied one by one: removed on their own, before the XACK.
            await outbox.RemoveAsync(seen, ct);
        }
        if (dead.Count > 0)
        {
            await deadLetters.WriteAsync(partition, dead, consumer);
        }

        await redis.GetDatabase()
            .StreamAcknowledgeAsync(partition.Events, StreamKeys.ApplierGroup, [.. entries.Select(e => e.Id)]);
        await changes.PublishAsync(Changed(events.AsSpan(0, eventCount), outcomes, apiApplied));
        counters.Batch(entries.Length, Stopwatch.GetElapsedTime(started));
        Count(entries, outcomes, dead);
        return outcomes;
    }

    /// <summary>Sandboxes whose rows moved: by this batch, or by the API before it published the event.</summary>
    private static HashSet<Guid> Changed(ReadOnlySpan<(int Index, StateEvent Event)> events, ApplyOutcome[] outcomes, List<Guid> apiApplied)
    {
        var changed = new HashSet<Guid>(apiApplied);
        foreach (var (index, stateEvent) in events)
        {
            if (outcomes[index] == ApplyOutcome.Applied)
            {
                changed.Add(stateEvent.SandboxId);
            }
        }
        return changed;
    }

    /// <summary>
    /// One set-based statement per round, all in one transaction: round k holds the k-th event of
    /// each sandbox in the batch, so one sandbox's events apply in stream order, and a burst over
    /// many sandboxes (the usual case) takes a single round trip.
    /// </summary>
    private async Task ApplyInOneTransactionAsync(
        ReadOnlyMemory<(int Index, StateEvent Event)> events, ApplyOutcome[] outcomes, IReadOnlyCollection<Guid> seen, CancellationToken ct)
    {
        var skipped = new List<(int Index, Guid EventId)>();
        var stopped = new List<(Guid Id, string? StopReason)>();
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            foreach (var round in Rounds(events))
            {
                var batch = round.Select(r => r.Event).ToList();
                var moved = await sandboxes.TryTransitionAllAsync(batch, conn, tx, ct);
                var movedSandboxes = moved.Select(m => m.Id).ToHashSet();
                stopped.AddRange(moved);
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
            await outbox.RemoveAsync(seen, ct, conn, tx);
            await tx.CommitAsync(ct);
        }
        stops.Count(stopped);

        if (skipped.Count > 0)
        {
            // Rare, so told apart only when it happens: a redelivery is in history, a stale event is not.
            var recorded = await history.RecordedAsync([.. skipped.Select(s => s.EventId)], ct);
            foreach (var (index, eventId) in skipped)
            {
                outcomes[index] = recorded.Contains(eventId) ? ApplyOutcome.Duplicate : ApplyOutcome.Stale;
            }
        }
    }

    /// <summary>
    /// Entries XAUTOCLAIM reported as deleted: trimmed while pending, so no fields survive. Redis has
    /// already dropped them from the pending list; the dead letter keeps the id and the reason.
    /// </summary>
    public async Task DeadLetterTrimmedAsync(PartitionKeys partition, RedisValue[] ids, string consumer)
    {
        DeadLetters.Letter[] letters = [.. ids.Select(id => new DeadLetters.Letter(id, [], DeadLetters.TrimmedWhilePending, 0, DeadLetters.Kinds.TrimmedWhilePending))];
        await deadLetters.WriteAsync(partition, letters, consumer);
        foreach (var letter in letters)
        {
            counters.DeadLettered("unknown", letter.Kind);
        }
    }

    private async Task ApplyOneByOneAsync(
        ReadOnlyMemory<(int Index, StateEvent Event)> events, ApplyOutcome[] outcomes,
        List<DeadLetters.Letter> dead, StreamEntry[] entries,
        IReadOnlyDictionary<string, long>? deliveries, CancellationToken ct)
    {
        for (var i = 0; i < events.Length; i++)
        {
            try
            {
                await ApplyInOneTransactionAsync(events.Slice(i, 1), outcomes, [], ct);
            }
            catch (PostgresException ex) when (!ex.IsTransient)
            {
                var index = events.Span[i].Index;
                outcomes[index] = ApplyOutcome.DeadLettered;
                dead.Add(new(entries[index].Id, entries[index].Values, $"rejected by Postgres: {ex.SqlState} {ex.MessageText}",
                    deliveries?.GetValueOrDefault(entries[index].Id.ToString(), 1) ?? 1, DeadLetters.Kinds.RejectedByPostgres));
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

    private void Count(StreamEntry[] entries, ApplyOutcome[] outcomes, List<DeadLetters.Letter> dead)
    {
        // Most batches have no dead letter: build the lookup only when one has.
        var kinds = dead.Count == 0 ? null : dead.ToDictionary(d => d.SourceId.ToString(), d => d.Kind);
        for (var i = 0; i < entries.Length; i++)
        {
            var value = entries[i][StreamFields.Type];
            var type = value.IsNullOrEmpty ? "unknown" : value.ToString();
            if (outcomes[i] == ApplyOutcome.DeadLettered)
            {
                counters.DeadLettered(type, kinds?.GetValueOrDefault(entries[i].Id.ToString()) ?? DeadLetters.Kinds.Unreadable);
            }
            else
            {
                counters.Add(outcomes[i], type);
            }
        }
    }
}
