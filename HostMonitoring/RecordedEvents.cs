using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// Events already recorded in the outbox that the stream has not delivered yet (Redis away for longer than the
/// HostMonitor's grace): before the HostMonitor decides anything about a sandbox, an outcome recorded for it at its
/// current version is applied as it is, with the appliers' own compare-and-set. An operation whose host has answered
/// is never re-driven or timed out because Redis was away. The outbox row stays: the event still reaches the stream
/// for its watchers, where the appliers find it applied (a copy) and remove the row.
/// </summary>
public sealed class RecordedEvents(OutboxStore outbox, SandboxStore sandboxes, NpgsqlDataSource dataSource, SandboxStops stops)
{
    /// <summary>Applies what is recorded for <paramref name="rows"/> at their versions; returns the sandboxes it moved.</summary>
    public async Task<IReadOnlyList<StateEvent>> ApplyAsync(IReadOnlyCollection<HostedSandbox> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return [];
        }
        var byId = rows.ToDictionary(row => row.Id);
        var due = new Dictionary<Guid, StateEvent>();
        foreach (var entry in await outbox.ForSandboxesAsync(byId.Keys, ct))
        {
            if (StreamFields.TryDecode(entry.Pairs.ToDictionary(pair => pair.Key, pair => pair.Value), out var recorded, out _)
                && byId[recorded.SandboxId] is var row
                && recorded.Version == row.Version && recorded.From == row.Status
                && TransitionTable.Get(recorded.Type).EmittedBy != Emitter.Api)
            {
                due.TryAdd(recorded.SandboxId, recorded);
            }
        }
        if (due.Count == 0)
        {
            return [];
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        var applied = await sandboxes.TryTransitionAllAsync([.. due.Values], connection, null, ct);
        // Counted here: the appliers will find these events applied already.
        stops.Count(applied);
        var moved = applied.Select(m => m.Id).ToHashSet();
        return [.. due.Values.Where(e => moved.Contains(e.SandboxId))];
    }
}
