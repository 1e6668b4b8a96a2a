using Lifecycle.Reconciler;

namespace Lifecycle.Tests.Unit;

public sealed class OrphanTrackerTests
{
    private static readonly Guid HostId = Guid.CreateVersion7();
    private static readonly DateTime Start = new(2026, 11, 23, 12, 0, 0, DateTimeKind.Utc);

    [Test]
    public void An_orphan_is_due_only_after_being_one_for_the_whole_grace()
    {
        var tracker = new OrphanTracker(TimeSpan.FromMinutes(5));
        Orphan[] vm = [new("vm-1")];

        Assert.That(tracker.Due(HostId, vm, Start), Is.Empty, "first sight");
        Assert.That(tracker.Due(HostId, vm, Start.AddMinutes(4)), Is.Empty, "inside the grace");
        Assert.That(tracker.Due(HostId, vm, Start.AddMinutes(5)), Is.EqualTo(vm), "grace over");
    }

    [Test]
    public void One_that_stops_being_an_orphan_starts_over()
    {
        var tracker = new OrphanTracker(TimeSpan.FromMinutes(5));
        Orphan[] vm = [new("vm-1")];
        tracker.Due(HostId, vm, Start);

        tracker.Due(HostId, [], Start.AddMinutes(1));

        Assert.That(tracker.Due(HostId, vm, Start.AddMinutes(6)), Is.Empty, "its row showed up meanwhile, so the clock restarted");
    }
}
