using Lifecycle.HostMonitoring;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>The orphan grace, remembered in Postgres and measured on its clock.</summary>
public sealed class OrphanTrackerTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);
    private TestDatabase _database = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _database = await TestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _database.DisposeAsync();

    [Test]
    public async Task An_orphan_is_due_only_after_being_one_for_the_whole_grace()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var tracker = Tracker();
        Orphan[] vm = [new("vm-1")];

        Assert.That(await tracker.DueAsync(hostId, vm, CancellationToken.None), Is.Empty, "first sight");
        await PassMemory.BackdateSightingsAsync(_database, hostId, TimeSpan.FromMinutes(4));
        Assert.That(await tracker.DueAsync(hostId, vm, CancellationToken.None), Is.Empty, "inside the grace");
        await PassMemory.BackdateSightingsAsync(_database, hostId, TimeSpan.FromMinutes(1));
        Assert.That(await tracker.DueAsync(hostId, vm, CancellationToken.None), Is.EqualTo(vm), "grace over");
    }

    [Test]
    public async Task One_that_stops_being_an_orphan_starts_over()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var tracker = Tracker();
        Orphan[] vm = [new("vm-1")];
        await tracker.DueAsync(hostId, vm, CancellationToken.None);
        await PassMemory.BackdateSightingsAsync(_database, hostId, TimeSpan.FromMinutes(1));

        await tracker.DueAsync(hostId, [], CancellationToken.None);
        await PassMemory.BackdateSightingsAsync(_database, hostId, TimeSpan.FromMinutes(5));

        Assert.That(await tracker.DueAsync(hostId, vm, CancellationToken.None), Is.Empty, "its row showed up meanwhile, so the clock restarted");
    }

    [Test]
    public async Task A_destroyed_orphan_that_shows_up_again_starts_over()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var tracker = Tracker();
        Orphan[] vm = [new("vm-1")];
        await tracker.DueAsync(hostId, vm, CancellationToken.None);
        await PassMemory.BackdateSightingsAsync(_database, hostId, Grace);

        await tracker.ForgetAsync(hostId, "vm-1", CancellationToken.None);

        Assert.That(await tracker.DueAsync(hostId, vm, CancellationToken.None), Is.Empty);
    }

    [Test]
    public async Task A_pass_over_one_host_leaves_the_orphans_of_another_alone()
    {
        var (one, other) = (await PassMemory.HostAsync(_database), await PassMemory.HostAsync(_database));
        var tracker = Tracker();
        Orphan[] vm = [new("vm-1")];
        await tracker.DueAsync(other, vm, CancellationToken.None);

        await tracker.DueAsync(one, [], CancellationToken.None);
        await PassMemory.BackdateSightingsAsync(_database, other, Grace);

        Assert.That(await tracker.DueAsync(other, vm, CancellationToken.None), Is.EqualTo(vm));
    }

    [Test]
    public async Task An_orphan_seen_by_one_replica_is_due_at_the_first_sight_of_the_next_once_the_grace_has_passed()
    {
        var hostId = await PassMemory.HostAsync(_database);
        Orphan[] vm = [new("vm-1")];
        Assert.That(await Tracker().DueAsync(hostId, vm, CancellationToken.None), Is.Empty, "the first replica's first sight");

        await PassMemory.BackdateSightingsAsync(_database, hostId, Grace);

        Assert.That(await Tracker().DueAsync(hostId, vm, CancellationToken.None), Is.EqualTo(vm), "the grace did not start over at the handover");
    }

    /// <summary>A tracker of its own, as each replica has.</summary>
    private OrphanTracker Tracker() => new(new OrphanSightingStore(_database.DataSource), Grace);
}
