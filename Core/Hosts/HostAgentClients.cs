using System.Collections.Concurrent;
using Grpc.Net.Client;
using Lifecycle.HostAgent.V1;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Core.Hosts;

/// <summary>One gRPC channel per host address, reused by every call (channels pool HTTP/2 connections).</summary>
public sealed class HostAgentClients : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public HostAgentClient For(string address) =>
        new(_channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a)));

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
