using System.Runtime.InteropServices;

namespace Lifecycle.Bench;

/// <summary>What the figures were measured on.</summary>
public sealed record Machine(string Name, int Cores, string Cpu, string Memory, string Os, string Runtime)
{
    public static Machine Current() => new(
        Environment.MachineName,
        Environment.ProcessorCount,
        ProcField("/proc/cpuinfo", "model name") ?? RuntimeInformation.ProcessArchitecture.ToString(),
        ProcField("/proc/meminfo", "MemTotal") ?? "unknown",
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription);

    private static string? ProcField(string path, string name)
    {
        if (!File.Exists(path))
        {
            return null;
        }
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(name, StringComparison.Ordinal));
        return line?[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim();
    }
}
