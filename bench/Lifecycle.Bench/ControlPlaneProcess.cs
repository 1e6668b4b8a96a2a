using System.Diagnostics;

namespace Lifecycle.Bench;

/// <summary>The control plane as the product runs it: its own process, the Release build beside the harness.</summary>
public sealed class ControlPlaneProcess(Process process)
{
    public int Pid => process.Id;

    /// <param name="settings">Configuration as <c>Key=Value</c>, e.g. <c>Lifecycle:Consumer:BatchSize=512</c>.</param>
    public static ControlPlaneProcess Start(LocalServers servers, string postgres, string prefix, string name, params string[] settings)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        string[] arguments =
        [
            Path.Combine(AppContext.BaseDirectory, "ControlPlane.dll"),
            "--Logging:LogLevel:Default=Warning",
            $"--Lifecycle:Postgres:ConnectionString={postgres}",
            $"--Lifecycle:Redis:Configuration={servers.Redis}",
            $"--Lifecycle:Streams:KeyPrefix={prefix}",
            $"--Lifecycle:Consumer:Name={name}",
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
        var child = Process.Start(start)!;
        child.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        child.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        child.BeginOutputReadLine();
        child.BeginErrorReadLine();
        return new ControlPlaneProcess(child);
    }

    /// <summary>Resident memory now and at its peak, from <c>/proc</c> (VmRSS, VmHWM), in MB.</summary>
    public (double RssMb, double PeakMb) Memory()
    {
        double Field(string name)
        {
            var line = File.ReadLines($"/proc/{Pid}/status").First(l => l.StartsWith(name, StringComparison.Ordinal));
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        return (Field("VmRSS:"), Field("VmHWM:"));
    }

    /// <summary>SIGTERM, as an orchestrator would send; SIGKILL if it has not exited in 15 s.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        process.Dispose();
    }
}
