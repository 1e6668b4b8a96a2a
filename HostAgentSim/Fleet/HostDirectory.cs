using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>Which simulated host owns which local port.</summary>
/// <remarks>Filled once after Kestrel has bound, because only then are free ports known.</remarks>
internal sealed class HostDirectory
{
    private FrozenDictionary<int, SimulatedHost> _byPort = FrozenDictionary<int, SimulatedHost>.Empty;

    public IEnumerable<SimulatedHost> Hosts => Volatile.Read(ref _byPort).Values;

    public void Publish(IEnumerable<SimulatedHost> hosts) =>
        Volatile.Write(ref _byPort, hosts.ToFrozenDictionary(host => host.Port));

    public bool TryGet(int port, [NotNullWhen(true)] out SimulatedHost? host) =>
        Volatile.Read(ref _byPort).TryGetValue(port, out host);
}
