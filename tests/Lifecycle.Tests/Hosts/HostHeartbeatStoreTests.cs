using Dapper;
using Lifecycle.Contract.Hosts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Hosts;

/// <summary>Heartbeats and silence move hosts by the rows of the host transition table, each with its history.</summary>
public sealed class HostHeartbeatStoreTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Test]
    public async Task A_first_heartbeat_makes_a_registered_host_online_and_later_ones_change_no_status()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = new HostStore(database.DataSource);
        var host = (await hosts.RegisterAsync("beat-first", "http://127.0.0.1:1", "beat-first-token", null, CancellationToken.None))!;

        var first = await hosts.HeartbeatAsync(host.Id, Timeout, null, CancellationToken.None);
        var second = await hosts.HeartbeatAsync(host.Id, Timeout, null, CancellationToken.None);

        Assert.That(host.Status, Is.EqualTo(HostStatus.Registered));
        Assert.That(host.LastHeartbeatAt, Is.Null);
        Assert.That(first, Is.EqualTo(new HeartbeatOutcome(HostStatus.Registered, HostStatus.Online, WasSilent: false)));
        Assert.That(second, Is.EqualTo(new HeartbeatOutcome(HostStatus.Online, HostStatus.Online, WasSilent: false)));
        Assert.That((await hosts.HistoryAsync(host.Id, CancellationToken.None)).Select(t => (t.Type, t.FromStatus?.ToWire(), t.ToStatus.ToWire(), t.Actor)), Is.EqualTo(new[]
        {
            ("host.registered", (string?)null, "registered", "admin"),
            ("host.first_heartbeat", "registered", "online", $"host:{host.Id}"),
        }));
    }

    [Test]
    public async Task A_silent_online_host_becomes_unreachable_and_its_next_heartbeat_brings_it_back_each_with_history()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = new HostStore(database.DataSource);
        var id = await TestData.OnlineHostAsync(database, "beat-back", "http://127.0.0.1:1");
        await BackdateHeartbeatAsync(database, id, Timeout * 2);

        var silent = await hosts.MarkSilentUnreachableAsync(Timeout, [id], CancellationToken.None);
        var back = await hosts.HeartbeatAsync(id, Timeout, null, CancellationToken.None);

        Assert.That(silent.Select(h => h.Id), Is.EqualTo(new[] { id }));
        Assert.That(back, Is.EqualTo(new HeartbeatOutcome(HostStatus.Unreachable, HostStatus.Online, WasSilent: true)));
        Assert.That((await hosts.HistoryAsync(id, CancellationToken.None)).Skip(2).Select(t => (t.Type, t.FromStatus?.ToWire(), t.ToStatus.ToWire(), t.Actor)), Is.EqualTo(new[]
        {
            ("host.silent", (string?)"online", "unreachable", "reconciler"),
            ("host.back", "unreachable", "online", $"host:{id}"),
        }));
    }

    [Test]
    public async Task A_silent_cordoned_host_is_not_made_unreachable_and_its_heartbeat_keeps_it_cordoned_saying_it_was_silent()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = new HostStore(database.DataSource);
        var id = await TestData.OnlineHostAsync(database, "beat-cordoned", "http://127.0.0.1:1");
        await hosts.TransitionAsync(id, HostEventTypes.Cordoned, "admin", null, CancellationToken.None);
        await BackdateHeartbeatAsync(database, id, Timeout * 2);

        var silent = await hosts.MarkSilentUnreachableAsync(Timeout, [id], CancellationToken.None);
        var beat = await hosts.HeartbeatAsync(id, Timeout, null, CancellationToken.None);

        Assert.That(silent, Is.Empty);
        Assert.That(beat, Is.EqualTo(new HeartbeatOutcome(HostStatus.Cordoned, HostStatus.Cordoned, WasSilent: true)));
        Assert.That((await hosts.HistoryAsync(id, CancellationToken.None)).Select(t => t.Type), Is.EqualTo(new[] { "host.registered", "host.first_heartbeat", "host.cordoned" }));
    }

    [Test]
    public async Task A_decommissioned_host_heartbeats_no_more()
    {
        await using var database = await TestDatabase.CreateAsync();
        var hosts = new HostStore(database.DataSource);
        var id = await TestData.OnlineHostAsync(database, "beat-gone", "http://127.0.0.1:1");
        await hosts.DecommissionAsync(id, "admin", null, CancellationToken.None);

        var beat = await hosts.HeartbeatAsync(id, Timeout, null, CancellationToken.None);

        Assert.That(beat, Is.Null);
        Assert.That((await hosts.GetAsync(id, CancellationToken.None))!.Status, Is.EqualTo(HostStatus.Decommissioned));
    }

    private static async Task BackdateHeartbeatAsync(TestDatabase database, Guid id, TimeSpan by)
    {
        await using var conn = database.DataSource.CreateConnection();
        await conn.ExecuteAsync("UPDATE hosts SET last_heartbeat_at = last_heartbeat_at - @By WHERE id = @Id", new { By = by, Id = id });
    }
}
