using System.Collections.Concurrent;
using System.Diagnostics;

namespace Lifecycle.Tests;

/// <summary>
/// The control plane as a separate OS process (the Debug build beside the tests), for tests that
/// kill it with SIGKILL or SIGTERM or run two of them. Its output lines are kept for assertions.
/// </summary>
public sealed class ControlPlaneProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();

    private ControlPlaneProcess(Process process) => Process = process;

    public Process Process { get; }

    public IReadOnlyCollection<string> Lines => _lines;

    public bool Logged(string fragment) => _lines.Any(line => line.Contains(fragment, StringComparison.Ordinal));

    /// <param name="settings">Configuration as <c>Key=Value</c> pairs, e.g. <c>Lifecycle:Consumer:Name=victim</c>.</param>
    public static ControlPlaneProcess Start(string postgres, string redis, string prefix, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "ControlPlane.dll"),
            $"--Lifecycle:Postgres:ConnectionString={postgres}",
            $"--Lifecycle:Redis:Configuration={redis}",
            $"--Lifecycle:Streams:KeyPrefix={prefix}",
            .. settings.Select(setting => $"--{setting}"),
        ];
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        if (!settings.Any(s => s.StartsWith("urls=", StringComparison.Ordinal)))
        {
            start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        }
        var child = new ControlPlaneProcess(Process.Start(start)!);
        // Read everything, so the child never blocks on a full pipe.
        child.Process.OutputDataReceived += (_, e) => { if (e.Data is not null) child._lines.Enqueue(e.Data); };
        child.Process.ErrorDataReceived += (_, e) => { if (e.Data is not null) child._lines.Enqueue(e.Data); };
        child.Process.BeginOutputReadLine();
        child.Process.BeginErrorReadLine();
        return child;
    }

    public void Kill()
    {
        if (!Process.HasExited)
        {
            Process.Kill(entireProcessTree: true);
            Process.WaitForExit();
        }
    }

    public void Dispose()
    {
        Kill();
        Process.Dispose();
    }
}
