namespace Lifecycle.Bench.Chaos;

/// <summary>What the soak does to simulated hosts: the simulator's admin endpoint, or hosts run inside the soak.</summary>
public interface IHostControl
{
    /// <summary>Where the hosts run, for the results.</summary>
    string Description { get; }

    Task<IReadOnlyList<SimulatorAdmin.AdminHost>?> HostsAsync();

    Task FreezeAsync(string host);

    Task ThawAsync(string host);

    /// <summary>Answers once the host is back. <paramref name="mode"/>: "empty" (its VMs gone) or "keep".</summary>
    Task RestartAsync(string host, string mode, int downMs);

    Task FaultsAsync(string host, int latencyMs, double failureRate);

    /// <summary>The sandbox's VM crashes and the host reports the exit; false when the host does not run it.</summary>
    Task<bool> ExitAsync(string host, Guid sandbox);
}
