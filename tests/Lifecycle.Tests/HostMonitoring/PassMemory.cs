using Dapper;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>Hosts to remember things about, and time passing for what is remembered, in a test database.</summary>
public static class PassMemory
{
    /// <summary>A newly registered host (pass memory refers to hosts).</summary>
    public static async Task<Guid> HostAsync(TestDatabase database)
    {
        var name = $"host-{Guid.NewGuid():N}";
        var host = await new HostStore(database.DataSource).RegisterAsync(name, "http://127.0.0.1:1", name, null, CancellationToken.None);
        return host!.Id;
    }

    /// <summary>Moves the host's orphan sightings back by <paramref name="by"/>, as if every pass so far had run that much earlier.</summary>
    public static async Task BackdateSightingsAsync(TestDatabase database, Guid hostId, TimeSpan by)
    {
        await using var conn = database.DataSource.CreateConnection();
        await conn.ExecuteAsync("UPDATE orphan_sightings SET first_seen = first_seen - @By WHERE host_id = @HostId", new { By = by, HostId = hostId });
    }
}
