using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Tests.Ownership;

public sealed class SlotAssignmentTests
{
    private static readonly string[] Three = ["replica-1", "replica-2", "replica-3"];

    [Test]
    public void Every_slot_has_one_owner_and_counts_differ_by_at_most_one()
    {
        var owners = SlotAssignment.Of(LeaseKind.EventPartitions, 16, Three);

        Assert.That(owners.Keys.Order(), Is.EqualTo(Enumerable.Range(0, 16)));
        var counts = Three.Select(r => owners.Values.Count(o => o == r)).ToList();
        Assert.That(counts.Max() - counts.Min(), Is.LessThanOrEqualTo(1), string.Join(", ", counts));
    }

    [Test]
    public void Every_replica_computes_the_same_answer_whatever_order_it_lists_the_replicas_in()
    {
        var one = SlotAssignment.Of(LeaseKind.HostShards, 64, Three);
        var other = SlotAssignment.Of(LeaseKind.HostShards, 64, [.. Three.Reverse()]);

        Assert.That(other, Is.EqualTo(one));
    }

    [Test]
    public void A_replica_leaving_moves_only_its_own_slots_and_few_others()
    {
        var before = SlotAssignment.Of(LeaseKind.HostShards, 64, Three);
        var after = SlotAssignment.Of(LeaseKind.HostShards, 64, ["replica-1", "replica-2"]);

        var moved = before.Count(p => after[p.Key] != p.Value);
        var orphaned = before.Count(p => p.Value == "replica-3");
        Assert.That(after.Values, Has.None.EqualTo("replica-3"));
        // The capped hash moves the leaver's slots plus a few to even out the counts, far from all 64.
        Assert.That(moved, Is.GreaterThanOrEqualTo(orphaned).And.LessThanOrEqualTo(orphaned + 8), $"{moved} moved, {orphaned} were the leaver's");
    }

    [Test]
    public void With_no_live_replica_nothing_is_assigned_and_one_replica_owns_everything()
    {
        Assert.That(SlotAssignment.Of(LeaseKind.EventPartitions, 4, []), Is.Empty);
        Assert.That(SlotAssignment.For(LeaseKind.EventPartitions, 4, ["only"], "only"), Is.EquivalentTo(new[] { 0, 1, 2, 3 }));
    }
}
