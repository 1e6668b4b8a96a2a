using System.Net;
using System.Security.Authentication;
using Lifecycle.HostAgentSim.Admin;
using Lifecycle.HostAgentSim.ControlPlaneLink;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Grpc;
using Lifecycle.HostAgentSim.Trust;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Lifecycle.HostAgentSim.Hosting;

/// <summary>
/// Many simulated host agents served by one Kestrel server, one HTTP/2 port per host: mutual TLS with each
/// host's own certificate, accepting only the control plane's client certificate (plaintext with
/// <c>Simulator:Insecure</c>). Every port also serves gRPC health checking and reflection, behind the same TLS.
/// </summary>
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
    public static Task<SimulatedFleet> StartAsync(
        SimulatorOptions options,
        ILoggerFactory? loggerFactory,
        CancellationToken cancellationToken) =>
        StartAsync(options, loggerFactory, issuer: null, cancellationToken);

    /// <param name="issuer">
    /// For a fleet with no control plane to register with: gives each host its id and certificate
    /// (tests and benchmarks that call the hosts themselves, with a CA of their own).
    /// </param>
    public static async Task<SimulatedFleet> StartAsync(
        SimulatorOptions options,
        ILoggerFactory? loggerFactory,
        CertificateIssuer? issuer,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate(hasIssuer: issuer is not null);

        var directory = new HostDirectory();
        var trust = new FleetTrust(options.CaCertificatePath);
        var listeners = new ListenOptions[options.HostCount];
        var app = Build(options, directory, trust, listeners, loggerFactory);
        try
        {
            await app.StartAsync(cancellationToken);
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
                await Task.WhenAll(hosts.Select(host => JoinAsync(client, host, cancellationToken)));
            }
            else if (issuer is not null && !options.Insecure)
            {
                await Task.WhenAll(hosts.Select(host => EnrollAsync(host, issuer, trust, cancellationToken)));
            }
            return new SimulatedFleet(app, hosts);
        }
        catch
        {
            await app.DisposeAsync();
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
        await client.RegisterAsync(host, ct);
        try
        {
            if (await client.HeartbeatAsync(host, ct))
            {
                host.CountHeartbeat();
            }
        }
        catch (HttpRequestException)
        {
            // The control plane went away right after the registration; the heartbeat loop tries again.
        }
    }

    private static async Task EnrollAsync(SimulatedHost host, CertificateIssuer issuer, FleetTrust trust, CancellationToken ct)
    {
        var (key, csr) = HostKeys.NewSigningRequest(host.Name);
        var grant = await issuer(host.Name, csr, ct);
        trust.Learn(grant.CaCertificatePem);
        host.Install(grant.CertificatePem, key);
        host.HostId = grant.HostId;
    }

    public async ValueTask DisposeAsync()
    {
        using var drain = new CancellationTokenSource(DrainTimeout);
        try
        {
            await _app.StopAsync(drain.Token);
        }
        finally
        {
            await _app.DisposeAsync();
        }
    }

    private static WebApplication Build(
        SimulatorOptions options,
        HostDirectory directory,
        FleetTrust trust,
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
                    // gRPC is HTTP/2 only: over TLS negotiated by ALPN; plaintext needs prior knowledge,
                    // since an HTTP/1+2 endpoint without TLS would speak HTTP/1.
                    listener.Protocols = HttpProtocols.Http2;
                    if (!options.Insecure)
                    {
                        listener.UseHttps(MutualTls(directory, trust));
                    }
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
        builder.Services.AddHostedService<ExpirySweepService>();
        if (options.ControlPlaneUrl.Length > 0)
        {
            builder.Services.AddHttpClient(nameof(ControlPlaneClient), http => http.BaseAddress = new Uri(options.ControlPlaneUrl))
                .AddTypedClient((http, _) => new ControlPlaneClient(http, options.AdminKey, trust, options.Insecure, new HostCapacity(options.HostVcpus, options.HostMemoryMb)));
            builder.Services.AddHostedService<HeartbeatService>();
            builder.Services.AddHostedService<ReportService>();
            if (!options.Insecure)
            {
                builder.Services.AddHostedService<CertificateRenewalService>();
            }
        }
        builder.Services.AddGrpc();
        // The standard probes (grpc.health.v1, and reflection for grpcurl and friends), on every host port.
        // One check, so grpc.health.v1 answers SERVING (with none it says UNKNOWN): the agent is up when it answers.
        builder.Services.AddGrpcHealthChecks().AddCheck("agent", () => HealthCheckResult.Healthy());
        builder.Services.AddGrpcReflection();

        var app = builder.Build();
        app.MapGrpcService<HostAgentService>();
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        if (options.AdminPort != 0)
        {
            app.MapSimulatorAdmin(options.AdminPort);
        }
        return app;
    }

    /// <summary>
    /// TLS for a host port: the certificate of the host on that port (none until it is registered, so
    /// handshakes fail until then; a renewed one from the next handshake on), and a client certificate
    /// required and accepted only when it is the control plane's.
    /// </summary>
    private static HttpsConnectionAdapterOptions MutualTls(HostDirectory directory, FleetTrust trust) => new()
    {
        SslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        ServerCertificateSelector = (connection, _) =>
            connection?.LocalEndPoint is IPEndPoint local && directory.TryGet(local.Port, out var host) ? host.Certificate : null,
        ClientCertificateMode = ClientCertificateMode.RequireCertificate,
        // Revocation of the control plane's certificate is by expiry: it is short-lived and re-issued in memory.
        CheckCertificateRevocation = false,
        ClientCertificateValidation = (certificate, _, _) => trust.Refusal(certificate) is null,
    };

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
