using Dapper;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>Reads <c>sandbox_transitions</c>; rows are written with the transition itself by <see cref="SandboxStore"/>.</summary>
public sealed class TransitionHistoryStore(NpgsqlDataSource dataSource)
{
    static TransitionHistoryStore() => DapperMapping.Apply();

    /// <summary>A sandbox's whole history, oldest first.</summary>
    public Task<IReadOnlyList<TransitionRow>> ForSandboxAsync(Guid sandboxId, CancellationToken ct) =>
        PageForSandboxAsync(sandboxId, afterVersion: -1, limit: int.MaxValue, ct);

    /// <summary>
    /// At most <paramref name="limit"/> of a sandbox's transitions after version <paramref name="afterVersion"/>,
    /// oldest first (one row per version: a unique index).
    /// </summary>
    public async Task<IReadOnlyList<TransitionRow>> PageForSandboxAsync(Guid sandboxId, long afterVersion, int limit, CancellationToken ct)
    {
        const string sql = """
            SELECT event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at, applied_at, stop_reason
              FROM sandbox_transitions
             WHERE sandbox_id = @SandboxId AND version > @AfterVersion
             ORDER BY version
             LIMIT @Limit
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<TransitionRow>(new CommandDefinition(sql,
            new { SandboxId = sandboxId, AfterVersion = afterVersion, Limit = limit }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>Which of these events are already in history: tells a duplicate from a stale event.</summary>
    public async Task<IReadOnlySet<Guid>> RecordedAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct)
    {
        const string sql = "SELECT event_id FROM sandbox_transitions WHERE event_id = ANY(@EventIds)";
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<Guid>(
            new CommandDefinition(sql, new { EventIds = eventIds.ToArray() }, cancellationToken: ct));
        return rows.ToHashSet();
    }
}
