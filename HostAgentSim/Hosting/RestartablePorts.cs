using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;

namespace Lifecycle.HostAgentSim.Hosting;

/// <summary>Kestrel's transport for the fleet: sockets, with every listener a <see cref="RestartablePort"/>, found by port.</summary>
internal sealed class RestartablePorts(IConnectionListenerFactory sockets) : IConnectionListenerFactory
{
    private readonly ConcurrentDictionary<int, RestartablePort> _byPort = new();

    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var port = new RestartablePort(sockets, await sockets.BindAsync(endpoint, cancellationToken));
        _byPort[port.Port] = port;
        return port;
    }

    public RestartablePort this[int port] =>
        _byPort.TryGetValue(port, out var listener) ? listener : throw new KeyNotFoundException($"no listener on port {port}");
}
