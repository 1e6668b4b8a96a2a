using System.Collections.Concurrent;
using Npgsql;

namespace Lifecycle.Tests.Operability;

/// <summary>
/// What scripts/servers.sh promises about Postgres: by default nothing a commit acknowledged is lost
/// when Postgres stops without a clean shutdown, and the fast mode the tests use keeps that promise
/// too (it gives up only fsync, which matters on an OS crash).
/// </summary>
[Category(TestLanes.Processes)]
public sealed class PostgresDurabilityTests
{
    private const int Writers = 4;
    private static readonly TimeSpan WriteFor = TimeSpan.FromSeconds(1.5);

    [TestCase(PostgresDurability.Full)]
    [TestCase(PostgresDurability.Fast)]
    public async Task Every_acknowledged_commit_survives_an_immediate_stop(PostgresDurability durability)
    {
        await using var servers = await LocalServers.StartAsync(durability);
        await using (var setup = NpgsqlDataSource.Create(servers.Postgres))
        {
            await setup.CreateCommand("CREATE TABLE acked (id bigint PRIMARY KEY)").ExecuteNonQueryAsync();
        }

        // Writers commit one row per transaction until the stop cuts them off. The stop comes while they
        // are still committing, so the newest acknowledged commits are the ones a late WAL flush would lose.
        var acknowledged = new ConcurrentBag<long>();
        var nextId = 0L;
        var writers = Enumerable.Range(0, Writers)
            .Select(_ => Task.Run(() => WriteUntilCutOffAsync(servers.Postgres, () => Interlocked.Increment(ref nextId), acknowledged)))
            .ToArray();
        await Task.Delay(WriteFor);
        await servers.CrashAsync("postgres");
        await Task.WhenAll(writers);

        await servers.StartAgainAsync();
        await using var dataSource = NpgsqlDataSource.Create(servers.Postgres);
        var stored = new HashSet<long>();
        await using (var reader = await dataSource.CreateCommand("SELECT id FROM acked").ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetInt64(0));
            }
        }
        var lost = acknowledged.Where(id => !stored.Contains(id)).Order().ToArray();

        Assert.That(acknowledged, Has.Count.GreaterThan(100), "too few commits to show anything");
        Assert.That(lost, Is.Empty, $"{lost.Length} of {acknowledged.Count} acknowledged commits lost, e.g. {string.Join(", ", lost.Take(10))}");
    }

    [Test]
    public async Task The_default_keeps_production_settings_and_fast_mode_keeps_synchronous_commit()
    {
        await using var full = await LocalServers.StartAsync(PostgresDurability.Full);
        Assert.That(await SettingsAsync(full.Postgres), Is.EqualTo(("on", "on", "on")));

        await using var fast = await LocalServers.StartAsync(PostgresDurability.Fast);
        Assert.That(await SettingsAsync(fast.Postgres), Is.EqualTo(("on", "off", "off")));
    }

    private static async Task WriteUntilCutOffAsync(string postgres, Func<long> nextId, ConcurrentBag<long> acknowledged)
    {
        // No pooling: a broken connection must not be handed back, and each writer needs just one.
        await using var connection = new NpgsqlConnection(postgres + ";Pooling=false");
        await connection.OpenAsync();
        await using var insert = new NpgsqlCommand("INSERT INTO acked (id) VALUES ($1)", connection);
        var id = insert.Parameters.Add(new NpgsqlParameter { DataTypeName = "bigint" });
        await insert.PrepareAsync();
        try
        {
            while (true)
            {
                var value = nextId();
                id.Value = value;
                await insert.ExecuteNonQueryAsync();
                acknowledged.Add(value);
            }
        }
        catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
        {
            // The stop: this writer's last commit, if it answered, was recorded.
        }
    }

    private static async Task<(string SynchronousCommit, string Fsync, string FullPageWrites)> SettingsAsync(string postgres)
    {
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        async Task<string> Show(string name) => (string)(await dataSource.CreateCommand($"SHOW {name}").ExecuteScalarAsync())!;
        return (await Show("synchronous_commit"), await Show("fsync"), await Show("full_page_writes"));
    }
}
