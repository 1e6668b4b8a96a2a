using Dapper;
using Npgsql;

namespace Lifecycle.Core.Store;

/// <summary>Reads <c>sandbox_transitions</c>; rows are written with the transition itself by <see cref="SandboxStore"/>.</summary>
public sealed class TransitionHistoryStore(NpgsqlDataSource dataSource)
{
    static TransitionHistoryStore() => SnakeCaseColumns.Apply();

    /// <summary>A sandbox's history, oldest first.</summary>
    public async Task<IReadOnlyList<TransitionRow>> ForSandboxAsync(Guid sandboxId, CancellationToken ct)
    {
        const string sql = """
            SELECT event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at, applied_at
              FROM sandbox_transitions
             WHERE sandbox_id = @SandboxId
             ORDER BY version, applied_at
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<TransitionRow>(
            new CommandDefinition(sql, new { SandboxId = sandboxId }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.AsList();
    }

    /// <summary>Which of these events are already in history: tells a duplicate from a stale event.</summary>
    public async Task<IReadOnlySet<Guid>> RecordedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct)
    {
        const string sql = "SELECT event_id FROM sandbox_transitions WHERE event_id = ANY(@EventIds)";
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<Guid>(
            new CommandDefinition(sql, new { EventIds = eventIds.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return rows.ToHashSet();
    }
}
