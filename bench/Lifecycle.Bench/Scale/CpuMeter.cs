using System.Globalization;

namespace Lifecycle.Bench.Scale;

/// <summary>
/// CPU time of named groups of processes, from <c>/proc</c>, and of the whole machine (<c>/proc/stat</c>):
/// where both cores went during a measured window. A Postgres group counts the postmaster with its
/// reaped children (cutime, cstime) and its live backends, so a backend that exits mid-window is not lost.
/// </summary>
public sealed class CpuMeter
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, Func<IEnumerable<int>>> _groups = [];
    private readonly HashSet<string> _withChildren = [];

    /// <summary>A group of processes, found again at each reading (control-plane replicas come and go).</summary>
    public CpuMeter Add(string group, Func<IEnumerable<int>> pids, bool withReapedChildren = false)
    {
        _groups[group] = pids;
        if (withReapedChildren)
        {
            _withChildren.Add(group);
        }
        return this;
    }

    /// <summary>A Postgres server: the postmaster (from its pid file) and its children.</summary>
    public CpuMeter AddPostgres(string group, string pidFile) =>
        Add(group, () => PostmasterAndChildren(ReadPid(pidFile)), withReapedChildren: true);

    public CpuMeter AddPidFile(string group, string pidFile) => Add(group, () => [ReadPid(pidFile)]);

    public Reading Read() => new(
        _groups.ToDictionary(g => g.Key, g => g.Value().Sum(pid => CpuSeconds(pid, _withChildren.Contains(g.Key)))),
        MachineTicks());

    /// <summary>CPU seconds per group between two readings, and the machine's busy, idle and stolen core-seconds.</summary>
    public static Window Between(Reading start, Reading end)
    {
        var groups = end.Seconds.ToDictionary(g => g.Key, g => g.Value - start.Seconds.GetValueOrDefault(g.Key));
        var delta = end.Machine.Zip(start.Machine, (a, b) => (a - b) / TicksPerSecond).ToArray();
        // /proc/stat cpu line: user nice system idle iowait irq softirq steal ...
        var idle = delta[3] + delta[4];
        var steal = delta.Length > 7 ? delta[7] : 0;
        var busy = delta.Take(8).Sum() - idle - steal;
        return new Window(groups, busy, idle, steal);
    }

    public sealed record Reading(IReadOnlyDictionary<string, double> Seconds, long[] Machine);

    /// <summary>Core-seconds; <see cref="Busy"/> includes work of processes outside the groups (other tenants of a shared machine).</summary>
    public sealed record Window(IReadOnlyDictionary<string, double> Groups, double Busy, double Idle, double Steal)
    {
        public double Total => Busy + Idle + Steal;
    }

    private static int ReadPid(string pidFile) => int.Parse(File.ReadLines(pidFile).First().Trim(), CultureInfo.InvariantCulture);

    private static IEnumerable<int> PostmasterAndChildren(int postmaster)
    {
        yield return postmaster;
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), out var pid) && Stat(pid) is { } fields && fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
            {
                yield return pid;
            }
        }
    }

    /// <summary>utime + stime (and cutime + cstime when asked), in seconds; 0 for a process that has gone.</summary>
    private static double CpuSeconds(int pid, bool withReapedChildren)
    {
        if (Stat(pid) is not { } fields)
        {
            return 0;
        }
        // After "pid (comm)": state ppid ... utime is field 14 of stat, i.e. index 11 here.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (withReapedChildren)
        {
            ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        }
        return ticks / TicksPerSecond;
    }

    /// <summary>The fields of /proc/pid/stat after the command name: [0] state, [1] ppid, …; null once gone.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static long[] MachineTicks() =>
        [.. File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture))];
}
