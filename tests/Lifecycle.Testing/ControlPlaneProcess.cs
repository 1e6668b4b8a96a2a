using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Lifecycle.Testing;

/// <summary>
/// The control plane as the product runs it: its own OS process, started from the ControlPlane.dll
/// built beside the caller, for tests that kill it or run two of them and for benchmarks that measure
/// it. Every line it writes is kept, so the child never blocks on a full pipe and tests can assert on them.
/// </summary>
public sealed class ControlPlaneProcess : IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly Action<string>? _echo;

    private ControlPlaneProcess(Process process, Action<string>? echo)
    {
        Process = process;
        _echo = echo;
    }

    public Process Process { get; }

    public int Pid => Process.Id;

    public IReadOnlyCollection<string> Lines => _lines;

    public bool Logged(string fragment) => _lines.Any(line => line.Contains(fragment, StringComparison.Ordinal));

    /// <summary>
    /// Starts the process with <paramref name="configuration"/> as its command-line settings (a null value is left
    /// out). <see cref="Deployments.Deployment"/> is its one caller: it supplies every setting, the address included.
    /// </summary>
    /// <param name="echo">Also called with each line as it arrives, e.g. to show it on the console.</param>
    internal static ControlPlaneProcess Start(IEnumerable<KeyValuePair<string, string?>> configuration, Action<string>? echo)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "ControlPlane.dll"));
        foreach (var (key, value) in configuration.Where(pair => pair.Value is not null))
        {
            start.ArgumentList.Add($"--{key}={value}");
        }
        var child = new ControlPlaneProcess(Process.Start(start)!, echo);
        child.Process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        child.Process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        child.Process.BeginOutputReadLine();
        child.Process.BeginErrorReadLine();
        return child;
    }

    /// <summary>Resident memory now and at its peak, from <c>/proc</c> (VmRSS, VmHWM), in MB.</summary>
    public (double RssMb, double PeakMb) Memory()
    {
        double Field(string name)
        {
            var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith(name, StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        return (Field("VmRSS:"), Field("VmHWM:"));
    }

    /// <summary>SIGTERM, as an orchestrator would send; SIGKILL if it has not exited in 15 s.</summary>
    public async Task StopAsync()
    {
        if (Process.HasExited)
        {
            return;
        }
        using (var term = Process.Start("kill", ["-TERM", Pid.ToString(CultureInfo.InvariantCulture)]))
        {
            await term.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await Process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    /// <summary>SIGKILL: a crash, with no chance to clean up.</summary>
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

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        _lines.Enqueue(line);
        if (line.Length > 0)
        {
            _echo?.Invoke(line);
        }
    }
}
