using System.Diagnostics;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The simulated hosts (<c>HostAgentSim</c>, one process) that register with a control plane and heartbeat every 2.5 s,
/// with their admin endpoint. They are small, so the load fills them: 4 vCPUs (16 lent at the default ratio of 4) and
/// 4 GiB (16 of the load's 256 MiB sandboxes, which the host enforces itself). Three hosts hold 48, a little over the
/// team's quota of 40 active: the quota binds first, and capacity when stopping, missing and error sandboxes hold their
/// share too, or one host fills before the others (a resume goes to its own host).
/// </summary>
public static class ChaosSimulator
{
    public const int HostVcpus = 4;
    public const int HostMemoryMb = 4_096;

    public static Process Start(int hosts, Uri controlPlane, int adminPort, ProcessLog log)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "HostAgentSim.dll"),
            $"--Simulator:HostCount={hosts}",
            "--Simulator:NamePrefix=chaos",
            $"--Simulator:ControlPlaneUrl={controlPlane}",
            $"--Simulator:AdminKey={ChaosStack.AdminKey}",
            "--Simulator:HeartbeatIntervalMs=2500",
            "--Simulator:LatencyMs=10",
            $"--Simulator:HostVcpus={HostVcpus}",
            $"--Simulator:HostMemoryMb={HostMemoryMb}",
            $"--Simulator:AdminPort={adminPort}",
            $"--Simulator:CaCertificatePath={TestCertificateAuthority.Shared.CertificatePath}",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }
        var simulator = Process.Start(start)!;
        simulator.OutputDataReceived += (_, e) => log.Write("simulator", e.Data);
        simulator.ErrorDataReceived += (_, e) => log.Write("simulator", e.Data);
        simulator.BeginOutputReadLine();
        simulator.BeginErrorReadLine();
        return simulator;
    }

    public static async Task StopAsync(Process? simulator)
    {
        if (simulator is { HasExited: false })
        {
            simulator.Kill(entireProcessTree: true);
            await simulator.WaitForExitAsync();
        }
        simulator?.Dispose();
    }
}
