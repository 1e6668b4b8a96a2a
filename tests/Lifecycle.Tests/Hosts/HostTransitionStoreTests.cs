using Dapper;
using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Hosts;

/// <summary>The host compare-and-set: a row of the host transition table moves a host only from a status it allows, and records it.</summary>
public sealed class HostTransitionStoreTests
{
    [Test]
    public async Task A_transition_moves_a_host_only_from_a_status_its_row_allows_and_writes_its_history()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = new HostStore(database.DataSource);
        var hostId = await TestData.OnlineHostAsync(database, "cas-host", "http://127.0.0.1:1");

        var cordoned = await hosts.TransitionAsync(hostId, HostEventTypes.Cordoned, "admin", "disk", CancellationToken.None);
        var again = await hosts.TransitionAsync(hostId, HostEventTypes.Cordoned, "admin", null, CancellationToken.None);
        var nobody = await hosts.TransitionAsync(Guid.NewGuid(), HostEventTypes.Cordoned, "admin", null, CancellationToken.None);

        Assert.That(cordoned, Is.EqualTo(new HostTransitionOutcome.Moved(HostStatus.Online)));
        Assert.That(again, Is.EqualTo(new HostTransitionOutcome.NotAllowed(HostStatus.Cordoned)));
        Assert.That(nobody, Is.EqualTo(new HostTransitionOutcome.NoSuchHost()));
        Assert.That((await hosts.GetAsync(hostId, CancellationToken.None))!.Status, Is.EqualTo(HostStatus.Cordoned));
        await using var conn = database.DataSource.CreateConnection();
        var history = await conn.QueryAsync<(string Type, string From, string To, string Actor, string Reason)>(
            "SELECT type, from_status, to_status, actor, reason FROM host_transitions WHERE host_id = @Id AND type = 'host.cordoned'", new { Id = hostId });
        Assert.That(history, Is.EqualTo(new[] { ("host.cordoned", "online", "cordoned", "admin", "disk") }));
    }

    [Test]
    public async Task Every_host_status_is_read_and_written_by_its_wire_name_and_no_other_spelling_is_read()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = new HostStore(database.DataSource);
        var hostId = await TestData.OnlineHostAsync(database, "status-host", "http://127.0.0.1:1");
        await using var conn = database.DataSource.CreateConnection();

        foreach (var status in HostStatuses.All)
        {
            await conn.ExecuteAsync("UPDATE hosts SET status = @Status WHERE id = @Id", new { Status = status, Id = hostId });
            Assert.That(await conn.ExecuteScalarAsync<string>("SELECT status FROM hosts WHERE id = @Id", new { Id = hostId }), Is.EqualTo(status.ToWire()));
            Assert.That((await hosts.GetAsync(hostId, CancellationToken.None))!.Status, Is.EqualTo(status));
        }
        Assert.That(async () => await conn.ExecuteScalarAsync<HostStatus>("SELECT 'Online'::text"),
            Throws.Exception.With.Message.Contains("unknown host status 'Online'"));
    }
}
