using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Lifecycle.HostAgentSim.Fleet;
using Microsoft.AspNetCore.Connections;

namespace Lifecycle.HostAgentSim.Hosting;

/// <summary>
/// One listening port of the fleet's Kestrel server that can close and open again, so one simulated
/// host agent can go away (connections refused, open ones cut) while the others keep answering.
/// </summary>
/// <remarks>
/// Kestrel stops serving an endpoint for good when its listener's accept returns null, so while the
/// port is closed the accept loop here waits instead; only Kestrel's own unbind ends it.
/// </remarks>
internal sealed class RestartablePort : IConnectionListener, IAgentPort
{
    // A refused bind right after closing is a socket the kernel has not let go yet; it clears in moments.
    private static readonly TimeSpan RebindFor = TimeSpan.FromSeconds(10);

    private readonly IConnectionListenerFactory _transport;
    private readonly ConcurrentDictionary<ConnectionContext, byte> _open = new();
    private IConnectionListener _listener;
    private TaskCompletionSource _opened = Completed();
    private volatile bool _unbound;

    public RestartablePort(IConnectionListenerFactory transport, IConnectionListener listener)
    {
        _transport = transport;
        _listener = listener;
        EndPoint = listener.EndPoint;
    }

    /// <summary>The endpoint really bound (with the port the OS picked when asked for port 0).</summary>
    public EndPoint EndPoint { get; }

    public int Port => ((IPEndPoint)EndPoint).Port;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            await Volatile.Read(ref _opened).Task.WaitAsync(cancellationToken);
            if (_unbound)
            {
                return null;
            }

            ConnectionContext? connection;
            try
            {
                connection = await Volatile.Read(ref _listener).AcceptAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException && !_unbound)
            {
                continue; // closed under the accept for a restart
            }

            if (connection is null)
            {
                if (_unbound)
                {
                    return null;
                }
                continue; // closed for a restart: wait until open again
            }

            _open.TryAdd(connection, 0);
            connection.ConnectionClosed.Register(() => _open.TryRemove(connection, out _));
            return connection;
        }
    }

    /// <summary>Stops listening (new connections are refused) and cuts every open connection.</summary>
    public async Task CloseAsync()
    {
        Volatile.Write(ref _opened, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        var listener = Volatile.Read(ref _listener);
        await listener.UnbindAsync();
        await listener.DisposeAsync();
        foreach (var connection in _open.Keys)
        {
            connection.Abort(new ConnectionAbortedException("host agent restarting"));
        }
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task OpenAsync()
    {
        if (_unbound)
        {
            return; // Kestrel is done with this endpoint (the simulator is stopping): nothing to reopen
        }
        var deadline = DateTime.UtcNow + RebindFor;
        while (true)
        {
            try
            {
                Volatile.Write(ref _listener, await _transport.BindAsync(EndPoint));
                break;
            }
            catch (AddressInUseException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
        }
        Volatile.Read(ref _opened).TrySetResult();
    }

    public async ValueTask UnbindAsync(CancellationToken cancellationToken = default)
    {
        _unbound = true;
        Volatile.Read(ref _opened).TrySetResult();
        await Volatile.Read(ref _listener).UnbindAsync(cancellationToken);
    }

    public ValueTask DisposeAsync() => Volatile.Read(ref _listener).DisposeAsync();

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
