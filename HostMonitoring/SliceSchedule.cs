namespace Lifecycle.HostMonitoring;

/// <summary>
/// When the next scheduled pass is due and which slice of the hosts it covers: one slice every
/// interval / slices, in turn, so each host comes round once per interval while no moment carries the
/// whole fleet's work. Due times sit on a fixed grid from the start, so passes run on request in between
/// do not shift it; a schedule that fell behind (a stalled process) resumes from now instead of running
/// the missed passes back to back.
/// </summary>
public sealed class SliceSchedule
{
    private readonly TimeSpan _period;
    private readonly TimeProvider _clock;
    private readonly long _start;
    private TimeSpan _dueAfter;
    private int _next;

    /// <param name="firstSlice">The slice of the first scheduled pass, due one period from now.</param>
    public SliceSchedule(TimeSpan interval, int slices, int firstSlice, TimeProvider clock)
    {
        Slices = Math.Max(1, slices);
        _period = interval / Slices;
        _clock = clock;
        _start = clock.GetTimestamp();
        _dueAfter = _period;
        _next = firstSlice % Slices;
    }

    public int Slices { get; }

    /// <summary>Time left until the next scheduled pass; zero when it is due.</summary>
    public TimeSpan UntilDue
    {
        get
        {
            var left = _dueAfter - _clock.GetElapsedTime(_start);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    /// <summary>The slice the due pass covers; moves the schedule on to the next.</summary>
    public int TakeSlice()
    {
        var slice = _next;
        _next = (_next + 1) % Slices;
        var elapsed = _clock.GetElapsedTime(_start);
        _dueAfter = _dueAfter + _period > elapsed ? _dueAfter + _period : elapsed + _period;
        return slice;
    }
}
