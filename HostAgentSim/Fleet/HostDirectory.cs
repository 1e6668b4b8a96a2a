using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>Which simulated host owns which local port.</summary>
/// <remarks>Filled once after Kestrel has bound, because only then are free ports known.</remarks>
internal sealed class HostDirectory
{
    private FrozenDictionary<int, SimulatedHost> _byPort = FrozenDictionary<int, SimulatedHost>.Empty;
    private SimulatedHost[] _inOrder = [];

    public IEnumerable<SimulatedHost> Hosts => Volatile.Read(ref _byPort).Values;

    /// <summary>The hosts as published: in option order, sim-0 first.</summary>
    public IReadOnlyList<SimulatedHost> InOrder => Volatile.Read(ref _inOrder);

    public void Publish(IReadOnlyList<SimulatedHost> hosts)
    {
        Volatile.Write(ref _inOrder, [.. hosts]);
        Volatile.Write(ref _byPort, hosts.ToFrozenDictionary(host => host.Port));
    }

    public bool TryGet(int port, [NotNullWhen(true)] out SimulatedHost? host) =>
        Volatile.Read(ref _byPort).TryGetValue(port, out host);

    public bool TryGet(string name, [NotNullWhen(true)] out SimulatedHost? host)
    {
        host = InOrder.FirstOrDefault(candidate => candidate.Name == name);
        return host is not null;
    }
}
