using System.Diagnostics;

namespace Lifecycle.Bench;

/// <summary>A control plane process, used for its consumer: the one the product runs, built in Release.</summary>
public sealed class ConsumerProcess(Process process)
{
    public static ConsumerProcess Start(LocalServers servers, string postgres, string prefix, string name, int batchSize)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "ControlPlane.dll"),
            "--urls", "http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            $"--Lifecycle:Postgres:ConnectionString={postgres}",
            $"--Lifecycle:Redis:Configuration={servers.Redis}",
            $"--Lifecycle:Streams:KeyPrefix={prefix}",
            $"--Lifecycle:Consumer:Name={name}",
            $"--Lifecycle:Consumer:BatchSize={batchSize}",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 }) Console.Error.WriteLine($"[{name}] {e.Data}"); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ConsumerProcess(process);
    }

    /// <summary>SIGTERM, as an orchestrator would send; SIGKILL if it has not exited in 15 s.</summary>
    public async Task StopAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
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
