using Dapper;
using Npgsql;

namespace Lifecycle.Infrastructure.Ownership;

/// <summary>
/// Owns <c>replicas</c> and <c>leases</c>. Every statement of a replica's own membership runs on its
/// membership session (<see cref="MembershipSession"/>), whose advisory lock says the replica is alive;
/// reads for operators (<see cref="ListAsync"/>) use any connection. Expiry is measured on Postgres's
/// clock, the one clock all replicas share.
/// </summary>
public static class LeaseStore
{
    static LeaseStore() => Store.DapperMapping.Apply();

    /// <summary>The advisory-lock namespace of replica names: "Lcyc" in ASCII.</summary>
    public const int LockNamespace = 0x4C637963;

    /// <summary>A live replica: its name and the kinds of work it takes part in. (A class with setters: Dapper reads a text[] column as an Array, which no record constructor takes.)</summary>
    public sealed class Replica
    {
        public string Name { get; set; } = "";

        public string[] Kinds { get; set; } = [];
    }

    /// <summary>A lease as stored; <c>Live</c> says whether its owner is a live replica.</summary>
    public sealed record Lease(string Kind, int Slot, string? Owner, long Fence, DateTime? AcquiredAt, DateTime ExpiresAt, bool Live);

    public sealed record Held(int Slot, long Fence);

    /// <summary>Takes the name's lock; false while another live session holds it (a process under the same name).</summary>
    public static async Task<bool> TryLockNameAsync(NpgsqlConnection session, string name, CancellationToken ct)
    {
        const string sql = "SELECT pg_try_advisory_lock(@LockNamespace, hashtext(@Name))";
        return await session.ExecuteScalarAsync<bool>(new CommandDefinition(sql, new { LockNamespace, Name = name }, cancellationToken: ct));
    }

    /// <summary>Records this replica as seen now, with the kinds it works; creates the lease rows of each kind's slots.</summary>
    public static async Task JoinAsync(NpgsqlConnection session, string name, IReadOnlyDictionary<string, int> slotsByKind, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO replicas (name, kinds) VALUES (@Name, @Kinds)
            ON CONFLICT (name) DO UPDATE SET kinds = excluded.kinds, joined_at = now(), seen_at = now();
            INSERT INTO leases (kind, slot)
            SELECT k.kind, s FROM unnest(@KindNames, @Counts) AS k(kind, n), generate_series(0, k.n - 1) AS s
            ON CONFLICT DO NOTHING;
            """;
        await session.ExecuteAsync(new CommandDefinition(sql, new
        {
            Name = name,
            Kinds = slotsByKind.Keys.ToArray(),
            KindNames = slotsByKind.Keys.ToArray(),
            Counts = slotsByKind.Values.ToArray(),
        }, cancellationToken: ct));
    }

    /// <summary>Marks this replica seen now and returns the live replicas (this one included), by name.</summary>
    public static async Task<IReadOnlyList<Replica>> HeartbeatAsync(NpgsqlConnection session, string name, TimeSpan period, CancellationToken ct)
    {
        const string sql = $"""
            UPDATE replicas SET seen_at = now() WHERE name = @Name;
            SELECT r.name, r.kinds FROM replicas r WHERE {LiveCondition} ORDER BY r.name;
            """;
        return (await session.QueryAsync<Replica>(new CommandDefinition(sql, new { Name = name, Period = period, LockNamespace }, cancellationToken: ct))).AsList();
    }

    /// <summary>Extends the leases this replica holds of the slots given; returns those still its own, with their fences.</summary>
    public static async Task<IReadOnlyList<Held>> RenewAsync(NpgsqlConnection session, string name, LeaseKind kind, int[] slots, TimeSpan period, CancellationToken ct)
    {
        const string sql = """
            UPDATE leases SET expires_at = now() + @Period
            WHERE kind = @Kind AND owner = @Name AND slot = ANY(@Slots)
            RETURNING slot, fence
            """;
        return (await session.QueryAsync<Held>(new CommandDefinition(sql, new { Name = name, Kind = kind.Name, Slots = slots, Period = period }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Takes the leases of the slots given that are free: never taken or given up, expired, held by no
    /// live replica (its process died), or held under this very name by an earlier process. Each one
    /// taken gets the next fence. Returns those taken.
    /// </summary>
    public static async Task<IReadOnlyList<Held>> AcquireAsync(
        NpgsqlConnection session, string name, LeaseKind kind, int[] slots, string[] live, TimeSpan period, CancellationToken ct)
    {
        const string sql = """
            UPDATE leases SET owner = @Name, fence = fence + 1, acquired_at = now(), expires_at = now() + @Period
            WHERE kind = @Kind AND slot = ANY(@Slots)
              AND (owner IS NULL OR owner = @Name OR expires_at < now() OR owner <> ALL(@Live))
            RETURNING slot, fence
            """;
        return (await session.QueryAsync<Held>(new CommandDefinition(sql, new { Name = name, Kind = kind.Name, Slots = slots, Live = live, Period = period }, cancellationToken: ct))).AsList();
    }

    /// <summary>Gives up leases whose work has stopped, so the next owner takes them at once.</summary>
    public static async Task ReleaseAsync(NpgsqlConnection session, string name, LeaseKind kind, int[] slots, CancellationToken ct)
    {
        const string sql = """
            UPDATE leases SET owner = NULL, expires_at = '-infinity'
            WHERE kind = @Kind AND owner = @Name AND slot = ANY(@Slots)
            """;
        await session.ExecuteAsync(new CommandDefinition(sql, new { Name = name, Kind = kind.Name, Slots = slots }, cancellationToken: ct));
    }

    /// <summary>A clean shutdown: every lease given up and the replica gone from the live list.</summary>
    public static async Task LeaveAsync(NpgsqlConnection session, string name, CancellationToken ct)
    {
        const string sql = """
            UPDATE leases SET owner = NULL, expires_at = '-infinity' WHERE owner = @Name;
            DELETE FROM replicas WHERE name = @Name;
            """;
        await session.ExecuteAsync(new CommandDefinition(sql, new { Name = name }, cancellationToken: ct));
    }

    /// <summary>Every lease with its owner's liveness, for operators (<c>lifecyclectl owners</c>) and tests.</summary>
    public static async Task<IReadOnlyList<Lease>> ListAsync(NpgsqlDataSource dataSource, TimeSpan period, CancellationToken ct)
    {
        const string sql = $"""
            SELECT l.kind, l.slot, l.owner, l.fence, l.acquired_at, l.expires_at,
                   EXISTS (SELECT 1 FROM replicas r WHERE r.name = l.owner AND {LiveCondition}) AS live
            FROM leases l ORDER BY l.kind, l.slot
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<Lease>(new CommandDefinition(sql, new { Period = period, LockNamespace }, cancellationToken: ct))).AsList();
    }

    // Fresh, and its session still holds its name's lock (pg_locks shows a two-key advisory lock as
    // classid = key 1, objid = key 2, objsubid = 2; advisory locks are per database).
    private const string LiveCondition = """
        r.seen_at > now() - @Period
        AND EXISTS (
            SELECT 1 FROM pg_locks l
            WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
              AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND l.classid = @LockNamespace::oid AND l.objid = hashtext(r.name)::oid)
        """;
}
