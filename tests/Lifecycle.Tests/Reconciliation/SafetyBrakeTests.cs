using Lifecycle.Reconciler;

namespace Lifecycle.Tests.Unit;

public sealed class SafetyBrakeTests
{
    private static readonly Guid HostId = Guid.CreateVersion7();

    [Test]
    public void A_pass_ending_most_of_a_host_waits_for_the_next_pass_to_confirm_it()
    {
        var brake = new SafetyBrake(share: 0.5, minSandboxes: 10);
        var wipe = Orphans(20);

        var first = brake.Check(HostId, wipe, population: 20);
        var second = brake.Check(HostId, wipe, population: 20);

        Assert.That((first.Allowed.Count, first.Withheld), Is.EqualTo((0, 20)), "refused at first sight");
        Assert.That((second.Allowed.Count, second.Withheld), Is.EqualTo((20, 0)), "applied once confirmed");
    }

    [Test]
    public void Only_what_the_next_pass_proposes_again_is_confirmed()
    {
        var brake = new SafetyBrake(share: 0.5, minSandboxes: 10);
        brake.Check(HostId, Orphans(20, "a"), population: 20);

        var other = brake.Check(HostId, Orphans(20, "b"), population: 20);

        Assert.That(other.Withheld, Is.EqualTo(20));
    }

    [Test]
    public void Changes_up_to_the_share_and_changes_on_small_hosts_pass_at_once()
    {
        var brake = new SafetyBrake(share: 0.5, minSandboxes: 10);

        Assert.That(brake.Check(HostId, Orphans(10), population: 20).Withheld, Is.Zero, "half of the host");
        Assert.That(brake.Check(Guid.CreateVersion7(), Orphans(9), population: 9).Withheld, Is.Zero, "below the size the brake guards");
    }

    private static List<Decision> Orphans(int count, string prefix = "vm") =>
        [.. Enumerable.Range(0, count).Select(i => (Decision)new Orphan($"{prefix}-{i}"))];
}
