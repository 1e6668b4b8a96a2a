using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Infrastructure.Outbox;

/// <summary>
/// Splits events into a round that holds at most one event per sandbox (the first of each, in order) and the rest:
/// a round's appends are pipelined, and if one failed a later event of its sandbox must not be on the stream already.
/// </summary>
public static class Rounds
{
    public static (List<OutboxEntry> Round, List<OutboxEntry> Later) Split(IReadOnlyList<OutboxEntry> entries)
    {
        var seen = new HashSet<Guid>();
        var round = new List<OutboxEntry>(entries.Count);
        var later = new List<OutboxEntry>();
        foreach (var entry in entries)
        {
            (seen.Add(entry.SandboxId) ? round : later).Add(entry);
        }
        return (round, later);
    }
}
