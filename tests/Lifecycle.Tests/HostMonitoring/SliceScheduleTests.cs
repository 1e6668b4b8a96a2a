using Lifecycle.HostMonitoring;

namespace Lifecycle.Tests.HostMonitoring;

public sealed class SliceScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);

    [Test]
    public void Slices_come_round_in_turn_one_period_apart()
    {
        var clock = new ManualClock();
        var schedule = new SliceSchedule(Interval, slices: 3, firstSlice: 1, clock);
        var taken = new List<int>();

        for (var i = 0; i < 4; i++)
        {
            Assert.That(schedule.UntilDue, Is.EqualTo(TimeSpan.FromSeconds(20)));
            clock.Advance(TimeSpan.FromSeconds(20));
            Assert.That(schedule.UntilDue, Is.EqualTo(TimeSpan.Zero));
            taken.Add(schedule.TakeSlice());
        }

        Assert.That(taken, Is.EqualTo(new[] { 1, 2, 0, 1 }));
    }

    [Test]
    public void Passes_run_in_between_do_not_shift_the_schedule()
    {
        var clock = new ManualClock();
        var schedule = new SliceSchedule(Interval, slices: 6, firstSlice: 0, clock);

        clock.Advance(TimeSpan.FromSeconds(4)); // a requested pass ran here

        Assert.That(schedule.UntilDue, Is.EqualTo(TimeSpan.FromSeconds(6)));
    }

    [Test]
    public void A_schedule_that_fell_behind_resumes_from_now_instead_of_catching_up()
    {
        var clock = new ManualClock();
        var schedule = new SliceSchedule(Interval, slices: 6, firstSlice: 0, clock);

        clock.Advance(TimeSpan.FromSeconds(45)); // four passes late
        schedule.TakeSlice();

        Assert.That(schedule.UntilDue, Is.EqualTo(TimeSpan.FromSeconds(10)));
    }

    [Test]
    public void One_slice_is_one_pass_over_every_host_per_interval()
    {
        var clock = new ManualClock();
        var schedule = new SliceSchedule(Interval, slices: 1, firstSlice: 1, clock);

        Assert.That((schedule.UntilDue, schedule.TakeSlice(), schedule.Slices), Is.EqualTo((Interval, 0, 1)));
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;
    }
}
