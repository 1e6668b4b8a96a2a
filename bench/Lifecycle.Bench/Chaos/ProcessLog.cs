using System.Globalization;

namespace Lifecycle.Bench.Chaos;

/// <summary><c>processes.log</c> of a run: every line the soak's child processes write, stamped and tagged with its source.</summary>
public sealed class ProcessLog(string dir) : IDisposable
{
    private readonly StreamWriter _log = new(Path.Combine(dir, "processes.log")) { AutoFlush = true };

    public void Write(string source, string? line)
    {
        if (string.IsNullOrEmpty(line))
        {
            return;
        }
        lock (_log)
        {
            _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:HH:mm:ss.fff} [{source}] {line}"));
        }
    }

    public void Dispose()
    {
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
