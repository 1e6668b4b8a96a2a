using System.Net.Http.Headers;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.Infrastructure.Ownership;

namespace Lifecycle.Tests.Scaling;

/// <summary>
/// One deployment of several control-plane replicas, each its own OS process under a stable name
/// (<c>replica-1</c>, …) on its own port, sharing a database of their own and the shared Redis Cluster
/// under a key prefix of their own, with a simulated fleet registered through the first replica.
/// Replicas are killed (SIGKILL) and started again by name.
/// </summary>
public sealed class ReplicaDeployment : IAsyncDisposable
{
    public const string AdminKey = "scaling-admin-key";
    public const string TeamKey = "scaling-team-key";
    public const int Partitions = 16;

    /// <summary>Short, so that a takeover is quick to wait for; the renew period is a third of it.</summary>
    public static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan RenewPeriod = new OwnershipOptions { LeasePeriod = LeasePeriod }.EffectiveRenewPeriod;

    private readonly Dictionary<string, int> _ports = [];
    private readonly Dictionary<string, ControlPlaneProcess> _running = [];
    private readonly Dictionary<string, HttpClient> _clients = [];
    private readonly List<(string Name, ControlPlaneProcess Process)> _stopped = [];
    private readonly System.Diagnostics.Stopwatch _age = System.Diagnostics.Stopwatch.StartNew();
    private SimulatedFleet? _fleet;

    private ReplicaDeployment(TestDatabase database, string prefix)
    {
        Database = database;
        Prefix = prefix;
    }

    public TestDatabase Database { get; }

    public string Prefix { get; }

    public SimulatedFleet Fleet => _fleet ?? throw new InvalidOperationException("no fleet yet");

    /// <summary>The replicas running now, by name.</summary>
    public IReadOnlyCollection<string> Running => [.. _running.Keys.Order()];

    public ControlPlaneProcess this[string name] => _running[name];

    /// <summary>Starts the replicas and a fleet of <paramref name="hosts"/> hosts that answer each call after <paramref name="hostLatencyMs"/>.</summary>
    public static async Task<ReplicaDeployment> StartAsync(int replicas, int hosts, int hostLatencyMs = 20)
    {
        var deployment = new ReplicaDeployment(await TestDatabase.CreateAsync(), TestKeyPrefix.New());
        try
        {
            for (var i = 1; i <= replicas; i++)
            {
                deployment.Start(Name(i));
            }
            // The fleet registers through the admin API, so it returns once the first replica serves.
            deployment._fleet = await SimulatedFleet.StartAsync(new SimulatorOptions
            {
                HostCount = hosts,
                LatencyMs = hostLatencyMs,
                ControlPlaneUrl = deployment.Url(Name(1)),
                AdminKey = AdminKey,
                HeartbeatIntervalMs = 500,
            }, CancellationToken.None);
            foreach (var name in deployment.Running)
            {
                await deployment.WaitUntilServingAsync(name);
            }
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes a line to the test's output, stamped with the seconds since the deployment started.</summary>
    public void Note(string line) => TestContext.Out.WriteLine($"[{_age.Elapsed.TotalSeconds,5:F1} s] {line}");

    public static string Name(int i) => $"replica-{i}";

    public string Url(string name) => $"http://127.0.0.1:{_ports[name]}";

    /// <summary>A client of one replica, with the team's key, as a load balancer would forward to it.</summary>
    public HttpClient Client(string name)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(name, out var client))
            {
                client = new HttpClient { BaseAddress = new Uri(Url(name)), Timeout = TimeSpan.FromSeconds(20) };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TeamKey);
                _clients[name] = client;
            }
            return client;
        }
    }

    /// <summary>Starts the replica (again, on the port it had, when it ran before).</summary>
    public ControlPlaneProcess Start(string name)
    {
        if (!_ports.TryGetValue(name, out var port))
        {
            port = LocalServers.FreePort();
            _ports[name] = port;
        }
        var process = ControlPlaneProcess.Start(Database.ConnectionString, ScalingCluster.Configuration, Prefix, Settings(name, port));
        _running[name] = process;
        return process;
    }

    /// <summary>SIGKILL: the replica dies with whatever it had in hand.</summary>
    public void Kill(string name)
    {
        var process = _running[name];
        _running.Remove(name);
        process.Kill();
        _stopped.Add((name, process));
    }

    /// <summary>Until the replica answers /healthz (its port is open; it may still be joining).</summary>
    public async Task WaitUntilServingAsync(string name)
    {
        using var probe = new HttpClient { BaseAddress = new Uri(Url(name)), Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.TrueAsync(async () =>
        {
            try
            {
                return (await probe.GetAsync(new Uri("/healthz", UriKind.Relative))).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(60), $"{name} serves");
    }

    public Task<IReadOnlyList<LeaseStore.Lease>> LeasesAsync() =>
        LeaseStore.ListAsync(Database.DataSource, LeasePeriod, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
        var lives = _stopped.Concat(_running.Select(r => (Name: r.Key, Process: r.Value))).ToList();
        foreach (var (_, process) in lives)
        {
            process.Kill();
        }
        KeepLogs(lives);
        foreach (var (_, process) in lives)
        {
            process.Dispose();
        }
        if (_fleet is not null)
        {
            await _fleet.DisposeAsync();
        }
        await Database.DisposeAsync();
    }

    /// <summary>Each replica's output, kept as a file of the test's results: what to read when a test here fails.</summary>
    private static void KeepLogs(IEnumerable<(string Name, ControlPlaneProcess Process)> lives)
    {
        var folder = Path.Combine(TestContext.CurrentContext.WorkDirectory, "replica-logs", TestContext.CurrentContext.Test.Name);
        Directory.CreateDirectory(folder);
        foreach (var (life, index) in lives.Select((life, index) => (life, index)))
        {
            var file = Path.Combine(folder, $"{life.Name}.{life.Process.Pid}.log");
            File.WriteAllLines(file, life.Process.Lines);
            TestContext.AddTestAttachment(file, $"{life.Name}, process {index + 1}");
        }
    }

    private static string[] Settings(string name, int port) =>
    [
        $"urls=http://127.0.0.1:{port}",
        $"Lifecycle:Replica:Name={name}",
        $"Lifecycle:Streams:Partitions={Partitions}",
        $"Lifecycle:Ownership:LeasePeriod={LeasePeriod}",
        "Logging:LogLevel:Default=Warning",
        "Logging:LogLevel:Lifecycle.HostMonitoring=Information",
        "Logging:LogLevel:Lifecycle.Infrastructure.Ownership=Information",
        "Logging:Console:FormatterName=simple",
        "Logging:Console:FormatterOptions:TimestampFormat=HH:mm:ss.fff ",
        $"Lifecycle:Admin:Key={AdminKey}",
        "Lifecycle:Dev:Enabled=true",
        $"Lifecycle:Dev:ApiKey={TeamKey}",
        "Lifecycle:HostMonitor:Interval=00:00:01",
        "Lifecycle:HostMonitor:TransientGrace=00:00:00.500",
        "Lifecycle:HostMonitor:HostDeadline=00:00:05",
        "Lifecycle:HostMonitor:RedriveBackoff=00:00:00.100",
        "Lifecycle:HostMonitor:OrphanGrace=00:00:01",
        "Lifecycle:Operations:Deadline=00:00:03",
        // The storm and its polling share one team key.
        "Lifecycle:RateLimit:PermitsPerSecond=100000",
        "Lifecycle:RateLimit:Burst=100000",
    ];
}
