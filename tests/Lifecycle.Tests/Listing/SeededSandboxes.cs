using Dapper;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Listing;

/// <summary>
/// Sandboxes written straight into the table for listing tests: seeded at random (fixed seed) over statuses,
/// templates, metadata, hosts and creation times, their ids UUIDv7 of their creation time as the API makes them.
/// </summary>
internal static class SeededSandboxes
{
    public static readonly string[] Templates = ["base", "python", "node"];
    public static readonly string[] Envs = ["prod", "dev", "stage"];
    public static readonly string[] Tiers = ["gold", "silver"];

    public static async Task InsertAsync(TestDatabase database, Guid teamId, IReadOnlyList<Guid> hosts, int count, DateTimeOffset from, DateTimeOffset to, Random random)
    {
        var statuses = SandboxStatuses.WireNames.ToArray();
        var span = (to - from).Ticks;
        var created = Enumerable.Range(0, count).Select(_ => from.AddTicks((long)(random.NextDouble() * span))).Order().ToArray();
        var ids = created.Select(at => Guid.CreateVersion7(at)).ToArray();
        var metadata = created.Select(_ => random.Next(4) == 0
            ? $"{{\"env\":\"{Envs[random.Next(Envs.Length)]}\"}}"
            : $"{{\"env\":\"{Envs[random.Next(Envs.Length)]}\",\"tier\":\"{Tiers[random.Next(Tiers.Length)]}\"}}").ToArray();
        await using var conn = database.DataSource.CreateConnection();
        await conn.ExecuteAsync("""
            INSERT INTO sandboxes (id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec, metadata, created_at, updated_at)
            SELECT id, @TeamId, host, status, 1, template, 1, 512, 300, metadata::jsonb, created, created
              FROM unnest(@Ids, @Hosts, @Statuses, @Templates, @Metadata, @Created) AS s(id, host, status, template, metadata, created)
            """, new
        {
            TeamId = teamId,
            Ids = ids,
            Hosts = created.Select(_ => hosts[random.Next(hosts.Count)]).ToArray(),
            Statuses = created.Select(_ => statuses[random.Next(statuses.Length)]).ToArray(),
            Templates = created.Select(_ => Templates[random.Next(Templates.Length)]).ToArray(),
            Metadata = metadata,
            Created = created.Select(at => at.UtcDateTime).ToArray(),
        });
    }
}
