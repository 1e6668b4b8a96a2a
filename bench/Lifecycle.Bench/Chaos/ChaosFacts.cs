using Dapper;
using Lifecycle.HostAgent.V1;
using Lifecycle.Infrastructure.HostAgents;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Bench.Chaos;

public sealed record SandboxFact(Guid Id, string Status, long Version, Guid? HostId, DateTime? OperationDeadline, string? LastError);

public sealed record TransitionFact(Guid EventId, Guid SandboxId, string Type, string? FromStatus, string ToStatus, long Version, string Actor, string? Reason, string? Error, DateTime At)
{
    public override string ToString() =>
        $"v{Version} {At:HH:mm:ss.fff} {Type} {FromStatus ?? "(new)"}→{ToStatus} actor={Actor} reason={Reason ?? "-"} error={Error ?? "-"} event={EventId}";
}

public sealed record HostFact(Guid Id, string Name, string GrpcAddress, string Status);

/// <summary>One stream entry, with the fields the checks need.</summary>
public sealed record EntryFact(string EntryId, Guid? EventId, Guid? SandboxId, string? Type, long? Version, string? From, string? To)
{
    public override string ToString() => $"entry {EntryId} {Type} {From}→{To} v{Version} event={EventId}";
}

public sealed record DeadLetterFact(string EntryId, string? SourceId, Guid? EventId, string? Reason);

/// <summary>
/// What the system holds after the soak, read with plain clients: Postgres rows and history (Npgsql,
/// Dapper), every partition's streams and the backlog (StackExchange.Redis), every host's <c>ListSandboxes</c>
/// (gRPC), and the leases of partitions and host shards with their owners' liveness.
/// </summary>
public sealed record ChaosFacts(
    IReadOnlyDictionary<Guid, SandboxFact> Sandboxes,
    IReadOnlyList<TransitionFact> History,
    IReadOnlyList<HostFact> Hosts,
    IReadOnlyList<EntryFact> Entries,
    IReadOnlyList<DeadLetterFact> DeadLetters,
    long Pending,
    long? Lag,
    IReadOnlyDictionary<Guid, IReadOnlyList<SandboxInfo>> HostVms,
    IReadOnlyList<string> UnlistableHosts,
    IReadOnlyList<LeaseStore.Lease> Leases,
    IReadOnlyList<LedgerAudit> Ledgers)
{
    public static async Task<ChaosFacts> ReadAsync(string postgres, StreamProbe probe)
    {
        DefaultTypeMap.MatchNamesWithUnderscores = true;
        await using var connection = new NpgsqlConnection(postgres);
        await connection.OpenAsync();
        var sandboxes = (await connection.QueryAsync<SandboxFact>(
            "SELECT id, status, version, host_id, operation_deadline, last_error FROM sandboxes")).ToDictionary(s => s.Id);
        var history = (await connection.QueryAsync<TransitionFact>(
            """
            SELECT event_id, sandbox_id, type, from_status, to_status, version, actor, reason, error, at
              FROM sandbox_transitions ORDER BY sandbox_id, version
            """)).ToList();
        var hosts = (await connection.QueryAsync<HostFact>(
            "SELECT id, name, grpc_address, status FROM hosts WHERE status <> 'decommissioned'")).ToList();
        // Each host's ledger total and its holding sandboxes counted, in one snapshot: they must agree.
        var ledgers = (await connection.QueryAsync<LedgerAudit>(HostAllocations.AuditSql)).ToList();

        var entries = new List<EntryFact>();
        var dead = new List<DeadLetterFact>();
        foreach (var partition in probe.Keys.Partitions)
        {
            entries.AddRange((await ReadAllAsync(probe.Database, partition.Events)).Select(e => EntryOf(partition, e)));
            dead.AddRange((await ReadAllAsync(probe.Database, partition.DeadLetters)).Select(e => new DeadLetterFact(
                new EntryRef(partition.Index, e.Id.ToString()).ToString(), new EntryRef(partition.Index, e["dead_source_id"].ToString()).ToString(), GuidOf(e["event_id"]), e["dead_reason"])));
        }
        var backlog = await probe.BacklogAsync() ?? throw new InvalidOperationException("Redis did not answer");

        var vms = new Dictionary<Guid, IReadOnlyList<SandboxInfo>>();
        var unlistable = new List<string>();
        using var clients = new HostAgentClients(TestTrust.Trust);
        foreach (var host in hosts)
        {
            try
            {
                var reply = await clients.For(host.Id, host.GrpcAddress).ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
                vms[host.Id] = reply.Sandboxes;
            }
            catch (Grpc.Core.RpcException e)
            {
                unlistable.Add($"{host.Name} ({host.Id}, {host.Status}): {e.StatusCode}");
            }
        }
        IReadOnlyList<LeaseStore.Lease> leases;
        await using (var dataSource = NpgsqlDataSource.Create(postgres))
        {
            leases = await LeaseStore.ListAsync(dataSource, ChaosStack.LeasePeriod, CancellationToken.None);
        }
        return new ChaosFacts(sandboxes, history, hosts, entries, dead, backlog.Pending, backlog.Lag, vms, unlistable, leases, ledgers);
    }

    private static async Task<List<StreamEntry>> ReadAllAsync(IDatabase db, string key)
    {
        var all = new List<StreamEntry>();
        RedisValue from = "-";
        while (true)
        {
            var page = await db.StreamRangeAsync(key, from, "+", count: 1000);
            all.AddRange(all.Count == 0 ? page : page.SkipWhile(e => e.Id == from));
            if (page.Length < 1000)
            {
                return all;
            }
            from = page[^1].Id;
        }
    }

    public static EntryFact EntryOf(PartitionKeys partition, StreamEntry e) =>
        new(new EntryRef(partition.Index, e.Id.ToString()).ToString(), GuidOf(e["event_id"]), GuidOf(e["sandbox_id"]), e["type"], LongOf(e["version"]), e["from"], e["to"]);

    private static Guid? GuidOf(RedisValue value) => Guid.TryParse(value.ToString(), out var id) ? id : null;

    private static long? LongOf(RedisValue value) => long.TryParse(value.ToString(), System.Globalization.CultureInfo.InvariantCulture, out var n) ? n : null;
}
