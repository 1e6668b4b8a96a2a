using Lifecycle.HostMonitoring;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>The safety brake, its refusals remembered in Postgres.</summary>
public sealed class SafetyBrakeTests
{
    private TestDatabase _database = null!;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync() => _database = await TestDatabase.CreateAsync();

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _database.DisposeAsync();

    [Test]
    public async Task A_pass_ending_most_of_a_host_waits_for_the_next_pass_to_confirm_it()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var brake = Brake();
        var wipe = Orphans(20);

        var first = await brake.CheckAsync(hostId, wipe, population: 20, CancellationToken.None);
        var second = await brake.CheckAsync(hostId, wipe, population: 20, CancellationToken.None);

        Assert.That((first.Allowed.Count, first.Withheld), Is.EqualTo((0, 20)), "refused at first sight");
        Assert.That((second.Allowed.Count, second.Withheld), Is.EqualTo((20, 0)), "applied once confirmed");
    }

    [Test]
    public async Task Only_what_the_next_pass_proposes_again_is_confirmed()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var brake = Brake();
        await brake.CheckAsync(hostId, Orphans(20, "a"), population: 20, CancellationToken.None);

        var other = await brake.CheckAsync(hostId, Orphans(20, "b"), population: 20, CancellationToken.None);

        Assert.That(other.Withheld, Is.EqualTo(20));
    }

    [Test]
    public async Task A_pass_in_between_that_ends_little_forgets_the_refusal()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var brake = Brake();
        var wipe = Orphans(20);
        await brake.CheckAsync(hostId, wipe, population: 20, CancellationToken.None);

        await brake.CheckAsync(hostId, Orphans(1), population: 20, CancellationToken.None);

        Assert.That((await brake.CheckAsync(hostId, wipe, population: 20, CancellationToken.None)).Withheld, Is.EqualTo(20),
            "only the pass just before confirms");
    }

    [Test]
    public async Task Changes_up_to_the_share_and_changes_on_small_hosts_pass_at_once()
    {
        var brake = Brake();

        Assert.That((await brake.CheckAsync(await PassMemory.HostAsync(_database), Orphans(10), population: 20, CancellationToken.None)).Withheld,
            Is.Zero, "half of the host");
        Assert.That((await brake.CheckAsync(await PassMemory.HostAsync(_database), Orphans(9), population: 9, CancellationToken.None)).Withheld,
            Is.Zero, "below the size the brake guards");
    }

    [Test]
    public async Task What_one_replica_withheld_is_carried_out_by_the_first_pass_of_the_next()
    {
        var hostId = await PassMemory.HostAsync(_database);
        var wipe = Orphans(20);
        Assert.That((await Brake().CheckAsync(hostId, wipe, population: 20, CancellationToken.None)).Withheld, Is.EqualTo(20), "the first replica refuses");

        var next = await Brake().CheckAsync(hostId, wipe, population: 20, CancellationToken.None);

        Assert.That((next.Allowed.Count, next.Withheld), Is.EqualTo((20, 0)), "the handover did not refuse it again");
    }

    /// <summary>A brake of its own, as each replica has.</summary>
    private SafetyBrake Brake() => new(new BrakeRefusalStore(_database.DataSource), share: 0.5, minSandboxes: 10);

    private static List<Decision> Orphans(int count, string prefix = "vm") =>
        [.. Enumerable.Range(0, count).Select(i => (Decision)new Orphan($"{prefix}-{i}"))];
}
