using System.Net;
using Lifecycle.HostAgentSim.Admin;
using Lifecycle.HostAgentSim.ControlPlaneLink;
using Lifecycle.HostAgentSim.Grpc;
using Lifecycle.HostAgentSim.Hosting;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>Many simulated host agents served by one Kestrel server, one plaintext HTTP/2 port per host.</summary>
public sealed class SimulatedFleet : IAsyncDisposable
{
    // Frozen hosts hold calls open; waiting the default 30 s for them to drain would stall every test teardown.
    private static readonly TimeSpan DrainTimeout = TimeSpan.FromSeconds(2);

    private readonly WebApplication _app;

    private SimulatedFleet(WebApplication app, IReadOnlyList<SimulatedHost> hosts)
    {
        _app = app;
        Hosts = hosts;
    }

    /// <summary>The hosts in option order: Hosts[i] is named "{NamePrefix}-{i}" and listens on BasePort + i.</summary>
    public IReadOnlyList<SimulatedHost> Hosts { get; }

    public SimulatedHost this[string name] =>
        Hosts.FirstOrDefault(host => host.Name == name) ?? throw new KeyNotFoundException($"no simulated host {name}");

    public static Task<SimulatedFleet> StartAsync(SimulatorOptions options, CancellationToken cancellationToken) =>
        StartAsync(options, loggerFactory: null, cancellationToken);

    /// <param name="loggerFactory">Where the fleet logs; null keeps it silent, as tests want.</param>
    public static async Task<SimulatedFleet> StartAsync(
        SimulatorOptions options,
        ILoggerFactory? loggerFactory,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        var directory = new HostDirectory();
        var listeners = new ListenOptions[options.HostCount];
        var app = Build(options, directory, listeners, loggerFactory);
        try
        {
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var ports = app.Services.GetRequiredService<RestartablePorts>();
            var hosts = listeners
                .Select((listener, i) => new SimulatedHost(
                    $"{options.NamePrefix}-{i}", BoundPort(app, listener), options, TimeProvider.System))
                .ToArray();
            foreach (var host in hosts)
            {
                host.AgentPort = ports[host.Port];
            }
            directory.Publish(hosts);
            if (options.ControlPlaneUrl.Length > 0)
            {
                var client = app.Services.GetRequiredService<ControlPlaneClient>();
                await Task.WhenAll(hosts.Select(host => JoinAsync(client, host, cancellationToken))).ConfigureAwait(false);
            }
            return new SimulatedFleet(app, hosts);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// Registers the host and heartbeats once at once: a registered host is given no sandbox until its
    /// first heartbeat, and the next one is a whole interval away. A refused or failed beat is left to
    /// the heartbeat loop.
    /// </summary>
    private static async Task JoinAsync(ControlPlaneClient client, SimulatedHost host, CancellationToken ct)
    {
        await client.RegisterAsync(host, ct).ConfigureAwait(false);
        try
        {
            if (await client.HeartbeatAsync(host, ct).ConfigureAwait(false))
            {
                host.CountHeartbeat();
            }
        }
        catch (HttpRequestException)
        {
            // The control plane went away right after the registration; the heartbeat loop tries again.
        }
    }

    public async ValueTask DisposeAsync()
    {
        using var drain = new CancellationTokenSource(DrainTimeout);
        try
        {
            await _app.StopAsync(drain.Token).ConfigureAwait(false);
        }
        finally
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static WebApplication Build(
        SimulatorOptions options,
        HostDirectory directory,
        ListenOptions[] listeners,
        ILoggerFactory? loggerFactory)
    {
        // The empty builder reads no appsettings or ASPNETCORE_* variables, so nothing but the options below can add endpoints.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
        {
            for (var i = 0; i < listeners.Length; i++)
            {
                var index = i;
                var port = options.BasePort == 0 ? 0 : options.BasePort + i;
                kestrel.Listen(IPAddress.Loopback, port, listener =>
                {
                    // Plaintext gRPC needs HTTP/2 prior knowledge; an HTTP/1+2 endpoint without TLS would speak HTTP/1.
                    listener.Protocols = HttpProtocols.Http2;
                    listeners[index] = listener;
                });
            }
            if (options.AdminPort != 0)
            {
                kestrel.Listen(IPAddress.Loopback, options.AdminPort, listener => listener.Protocols = HttpProtocols.Http1);
            }
        });

        // Sockets as usual, but each port can close and reopen on its own: one host agent restarts, the rest answer.
        builder.Services.RemoveAll<IConnectionListenerFactory>();
        builder.Services.AddSingleton(services => new RestartablePorts(
            new SocketTransportFactory(Options.Create(new SocketTransportOptions()), services.GetRequiredService<ILoggerFactory>())));
        builder.Services.AddSingleton<IConnectionListenerFactory>(services => services.GetRequiredService<RestartablePorts>());

        builder.Services.AddLogging();
        if (loggerFactory is not null)
        {
            builder.Services.AddSingleton(loggerFactory);
        }

        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(directory);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<IdleSweepService>();
        if (options.ControlPlaneUrl.Length > 0)
        {
            builder.Services.AddHttpClient(nameof(ControlPlaneClient), http => http.BaseAddress = new Uri(options.ControlPlaneUrl))
                .AddTypedClient((http, _) => new ControlPlaneClient(http, options.AdminKey));
            builder.Services.AddHostedService<HeartbeatService>();
            builder.Services.AddHostedService<ReportService>();
        }
        builder.Services.AddGrpc();

        var app = builder.Build();
        app.MapGrpcService<HostAgentService>();
        if (options.AdminPort != 0)
        {
            app.MapSimulatorAdmin(options.AdminPort);
        }
        return app;
    }

    /// <summary>The port Kestrel really bound for one endpoint, checked against what the server reports.</summary>
    /// <remarks>
    /// Kestrel writes the bound endpoint back into each ListenOptions, which ties a port to its host without
    /// relying on the order of IServerAddressesFeature; the cross-check catches a Kestrel that stops doing so.
    /// </remarks>
    private static int BoundPort(WebApplication app, ListenOptions listener)
    {
        var port = listener.IPEndPoint?.Port ?? 0;
        var reported = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        if (port == 0 || !reported.Any(address => new Uri(address).Port == port))
        {
            throw new InvalidOperationException($"Kestrel did not report the port bound for {listener}");
        }

        return port;
    }
}
