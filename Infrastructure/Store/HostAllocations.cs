using Dapper;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// The ledger of what each host's holding sandboxes take (<c>host_allocations</c>, sql/019): rows whose sum per host is
/// the count and sizes of its sandboxes with <c>holds</c>, kept by a trigger on <c>sandboxes</c>. Reading a host's total
/// costs as many rows as changed since its last fold, however many sandboxes it holds.
/// </summary>
public static class HostAllocations
{
    /// <summary>
    /// A lateral join giving, for the host <c>h</c>, <c>held.sandboxes</c>, <c>held.vcpus</c> and <c>held.memory_mb</c>:
    /// what its holding sandboxes take (zeros when none). Not what its stray VMs take (<c>h.unaccounted_*</c>).
    /// </summary>
    public const string HeldByHost = """
        CROSS JOIN LATERAL (SELECT COALESCE(sum(a.sandboxes), 0)::bigint AS sandboxes, COALESCE(sum(a.vcpus), 0)::bigint AS vcpus,
                                   COALESCE(sum(a.memory_mb), 0)::bigint AS memory_mb
                              FROM host_allocations a WHERE a.host_id = h.id) held
        """;

    /// <summary>
    /// Every host's ledger total beside its holding sandboxes counted one by one, in one snapshot
    /// (<see cref="LedgerAudit"/>): they must always agree. For tests, the soak and on-call, never for a request.
    /// </summary>
    public const string AuditSql = $"""
        SELECT h.id AS host_id, h.name AS host, held.sandboxes AS ledger_sandboxes, held.vcpus AS ledger_vcpus,
               held.memory_mb AS ledger_memory_mb,
               (SELECT count(*) FROM sandboxes s WHERE s.host_id = h.id AND s.holds) AS sandboxes,
               (SELECT COALESCE(sum(s.vcpus), 0) FROM sandboxes s WHERE s.host_id = h.id AND s.holds)::bigint AS vcpus,
               (SELECT COALESCE(sum(s.memory_mb), 0) FROM sandboxes s WHERE s.host_id = h.id AND s.holds)::bigint AS memory_mb
          FROM hosts h
          {HeldByHost}
        """;

    /// <summary>
    /// Replaces each host's rows by their sum (none when it is zero), in one transaction, so every reader sees the same
    /// total before and after. Rows recorded after the statement began are left for the next fold.
    /// </summary>
    private const string FoldSql = """
        WITH busy AS (
            SELECT host_id FROM host_allocations GROUP BY host_id
            HAVING count(*) > 1 OR (sum(sandboxes) = 0 AND sum(vcpus) = 0 AND sum(memory_mb) = 0)
        ), folded AS (
            DELETE FROM host_allocations a USING busy WHERE a.host_id = busy.host_id
            RETURNING a.host_id, a.sandboxes, a.vcpus, a.memory_mb
        )
        INSERT INTO host_allocations (host_id, sandboxes, vcpus, memory_mb)
        SELECT host_id, sum(sandboxes), sum(vcpus), sum(memory_mb) FROM folded GROUP BY host_id
        HAVING sum(sandboxes) <> 0 OR sum(vcpus) <> 0 OR sum(memory_mb) <> 0
        """;

    /// <summary>
    /// Folds the ledger, unless another replica is folding it now (its transaction-scoped turn, so two folds never wait
    /// on each other's rows): the number of hosts whose rows it folded into one, or null when it was not its turn.
    /// </summary>
    public static async Task<int?> FoldAsync(NpgsqlDataSource dataSource, CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        const string turn = "SELECT pg_try_advisory_xact_lock(hashtextextended('host-allocations-fold', 0))";
        if (!await connection.ExecuteScalarAsync<bool>(new CommandDefinition(turn, transaction: transaction, cancellationToken: ct)))
        {
            return null;
        }
        var folded = await connection.ExecuteAsync(new CommandDefinition(FoldSql, transaction: transaction, cancellationToken: ct));
        await transaction.CommitAsync(ct);
        return folded;
    }
}

/// <summary>A row of <see cref="HostAllocations.AuditSql"/>: a host's ledger total beside its holding sandboxes' own count.</summary>
public sealed record LedgerAudit(Guid HostId, string Host, long LedgerSandboxes, long LedgerVcpus, long LedgerMemoryMb, long Sandboxes, long Vcpus, long MemoryMb)
{
    public bool Agrees => (LedgerSandboxes, LedgerVcpus, LedgerMemoryMb) == (Sandboxes, Vcpus, MemoryMb);
}
