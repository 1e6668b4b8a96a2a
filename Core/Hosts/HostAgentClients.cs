using System.Collections.Concurrent;
using Grpc.Net.Client;
using Lifecycle.HostAgent.V1;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Core.Hosts;

/// <summary>One gRPC channel per host address, reused by every call (channels pool HTTP/2 connections).</summary>
public sealed class HostAgentClients : IDisposable
{
    /// <summary>
    /// <c>ListSandboxes</c> answers with every VM of a host in one message, about 50 bytes each: gRPC's
    /// default limit of 4 MB would stop the HostMonitor from ever reconciling a host past some 80,000
    /// sandboxes. 64 MB allows well over a million.
    /// </summary>
    public const int MaxReplyBytes = 64 * 1024 * 1024;

    private static readonly GrpcChannelOptions Options = new() { MaxReceiveMessageSize = MaxReplyBytes };

    private readonly ConcurrentDictionary<string, GrpcChannel> _channels = new(StringComparer.Ordinal);

    public HostAgentClient For(string address) =>
        new(_channels.GetOrAdd(address, a => GrpcChannel.ForAddress(a, Options)));

    public void Dispose()
    {
        foreach (var channel in _channels.Values)
        {
            channel.Dispose();
        }
    }
}
