using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using Lifecycle.HostAgent.V1.Trust;
using Lifecycle.Infrastructure.Trust;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Infrastructure.HostAgents;

/// <summary>
/// One gRPC channel per host, reused by every call (channels pool HTTP/2 connections). Over https the
/// channel is mutual TLS: this replica's client certificate, and the host's certificate accepted only
/// when it chains to the CA, names the host being called and is not revoked.
/// </summary>
public sealed partial class HostAgentClients(HostTrust trust, TlsRefusals refusals, ILogger<HostAgentClients> logger) : IDisposable
{
    /// <summary>
    /// <c>ListSandboxes</c> answers with every VM of a host in one message, about 50 bytes each: gRPC's
    /// default limit of 4 MB would stop the HostMonitor from ever reconciling a host past some 80,000
    /// sandboxes. 64 MB allows well over a million.
    /// </summary>
    public const int MaxReplyBytes = 64 * 1024 * 1024;

    private readonly ConcurrentDictionary<(Guid HostId, string Address), HostChannel> _channels = new();

    /// <summary>For processes without dependency injection (the benchmarks).</summary>
    public HostAgentClients(HostTrust trust) : this(trust, new TlsRefusals(), NullLogger<HostAgentClients>.Instance)
    {
    }

    /// <summary>
    /// A client for host <paramref name="hostId"/> at <paramref name="address"/>; the TLS handshake checks it
    /// is that host, and no call to it is sent once it is decommissioned.
    /// </summary>
    public HostAgentClient For(Guid hostId, string address) =>
        new(_channels.GetOrAdd((hostId, address), key => Open(key.HostId, key.Address)).Invoker);

    private HostChannel Open(Guid hostId, string address)
    {
        var channel = CreateChannel(hostId, address);
        return new HostChannel(channel, channel.Intercept(new RefusedHostInterceptor(hostId, RefusedAsDecommissioned)));
    }

    private bool RefusedAsDecommissioned(Guid hostId)
    {
        if (!trust.Revoked.ContainsHost(hostId))
        {
            return false;
        }
        refusals.Refused(PeerRefusals.Revoked);
        LogDecommissioned(hostId);
        return true;
    }

    /// <summary>Closes the host's channels (decommissioned, its certificate revoked): the next call handshakes anew, and is refused.</summary>
    public void Forget(Guid hostId)
    {
        foreach (var key in _channels.Keys.Where(k => k.HostId == hostId))
        {
            if (_channels.TryRemove(key, out var open))
            {
                open.Channel.Dispose();
            }
        }
    }

    /// <summary>A channel of its own (the caller disposes it), checked as <see cref="For"/> checks.</summary>
    public GrpcChannel CreateChannel(Guid hostId, string address)
    {
        var options = new GrpcChannelOptions { MaxReceiveMessageSize = MaxReplyBytes };
        const string plaintext = "http://";
        if (!trust.Insecure && address.StartsWith(plaintext, StringComparison.OrdinalIgnoreCase))
        {
            // Never plaintext unless the insecure flag says so, whatever address the database holds
            // (a host registered in insecure development): TLS to it fails like a host that is down.
            address = "https://" + address[plaintext.Length..];
        }
        if (address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        {
            options.HttpHandler = TlsHandler(hostId);
        }
        return GrpcChannel.ForAddress(address, options);
    }

    private SocketsHttpHandler TlsHandler(Guid hostId) => new()
    {
        // As gRPC's own default handler: more streams than one HTTP/2 connection allows open another.
        EnableMultipleHttp2Connections = true,
        SslOptions = new SslClientAuthenticationOptions
        {
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            // Asked on every handshake, so a re-issued client certificate is used at once.
            LocalCertificateSelectionCallback = (_, _, _, _, _) => trust.ClientCertificate!,
            RemoteCertificateValidationCallback = (_, certificate, _, _) => Accepts(hostId, certificate),
        },
    };

    /// <summary>
    /// The host's identity is its certificate's SAN URI, so the platform's verdict (the system roots, the
    /// name in the address) is not used: an IP-versus-hostname mismatch means nothing here.
    /// </summary>
    private bool Accepts(Guid hostId, X509Certificate? presented)
    {
        var certificate = presented as X509Certificate2
            ?? (presented is null ? null : X509CertificateLoader.LoadCertificate(presented.GetRawCertData()));
        if (trust.Refusal(hostId, certificate) is not { } reason)
        {
            return true;
        }
        refusals.Refused(reason);
        LogRefused(hostId, reason, certificate?.SerialNumber ?? "-", certificate?.Subject ?? "-");
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused host {HostId}: its TLS certificate is {Reason} (serial {Serial}, subject {Subject})")]
    private partial void LogRefused(Guid hostId, string reason, string serial, string subject);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused a call to host {HostId}: it is decommissioned, its certificates revoked; the call was not sent")]
    private partial void LogDecommissioned(Guid hostId);

    /// <summary>A host's channel and the call invoker that every client of it shares.</summary>
    private sealed record HostChannel(GrpcChannel Channel, CallInvoker Invoker);

    public void Dispose()
    {
        foreach (var open in _channels.Values)
        {
            open.Channel.Dispose();
        }
    }
}
