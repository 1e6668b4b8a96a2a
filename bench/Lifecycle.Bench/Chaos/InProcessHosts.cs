using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// Simulated hosts inside the soak's own process, for a simulator build without the admin endpoint: the
/// same gRPC servers, registration and heartbeats, with the knobs turned directly. A restart that keeps
/// the VMs is a freeze for the time it is down (calls are held, not dropped).
/// </summary>
public sealed class InProcessHosts(SimulatedFleet fleet) : IHostControl, IAsyncDisposable
{
    public string Description => "inside the soak's process (the simulator build has no admin endpoint)";

    public static async Task<InProcessHosts> StartAsync(Uri api, int hosts) =>
        new(await SimulatedFleet.StartAsync(new SimulatorOptions
        {
            HostCount = hosts,
            NamePrefix = "chaos",
            ControlPlaneUrl = api.ToString(),
            AdminKey = ChaosStack.AdminKey,
            HeartbeatIntervalMs = 2500,
            LatencyMs = 10,
        }, CancellationToken.None));

    public Task<IReadOnlyList<SimulatorAdmin.AdminHost>?> HostsAsync() =>
        Task.FromResult<IReadOnlyList<SimulatorAdmin.AdminHost>?>(
            [.. fleet.Hosts.Select(h => new SimulatorAdmin.AdminHost(h.Name, h.Port, h.HostId, h.IsFrozen, h.LatencyMs, h.FailureRate, h.Snapshot().Count))]);

    public Task FreezeAsync(string host)
    {
        fleet[host].Freeze();
        return Task.CompletedTask;
    }

    public Task ThawAsync(string host)
    {
        fleet[host].Unfreeze();
        return Task.CompletedTask;
    }

    public async Task RestartAsync(string host, string mode, int downMs)
    {
        var simulated = fleet[host];
        simulated.Freeze();
        await Task.Delay(downMs);
        if (mode == "empty")
        {
            simulated.RestartEmpty();
        }
        simulated.Unfreeze();
    }

    public Task FaultsAsync(string host, int latencyMs, double failureRate)
    {
        fleet[host].LatencyMs = latencyMs;
        fleet[host].FailureRate = failureRate;
        return Task.CompletedTask;
    }

    public Task<bool> ExitAsync(string host, Guid sandbox) => Task.FromResult(fleet[host].Exit(sandbox.ToString()));

    public ValueTask DisposeAsync() => fleet.DisposeAsync();
}
