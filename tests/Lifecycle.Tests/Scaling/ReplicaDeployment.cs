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
    public const string AdminKey = DeploymentBuilder.AdminKey;
    public const string TeamKey = DeploymentBuilder.TeamKey;
    public const int Partitions = 16;

    /// <summary>Short, so that a takeover is quick to wait for; the renew period is a third of it.</summary>
    public static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(3);

    public static readonly TimeSpan RenewPeriod = new OwnershipOptions { LeasePeriod = LeasePeriod }.EffectiveRenewPeriod;

    private readonly Dictionary<string, HttpClient> _clients = [];
    private readonly System.Diagnostics.Stopwatch _age = System.Diagnostics.Stopwatch.StartNew();
    private readonly Deployment _deployment;

    private ReplicaDeployment(TestDatabase database, Deployment deployment)
    {
        Database = database;
        _deployment = deployment;
    }

    public TestDatabase Database { get; }

    public string Prefix => _deployment.KeyPrefix;

    public SimulatedFleet Fleet => _deployment.Fleet;

    /// <summary>The replicas running now, by name.</summary>
    public IReadOnlyCollection<string> Running => [.. _deployment.Replicas.Select(replica => replica.Name).Order()];

    public ControlPlaneProcess this[string name] => ((ProcessReplica)_deployment[name]).Process;

    /// <summary>Starts the replicas and a fleet of <paramref name="hosts"/> hosts that answer each call after <paramref name="hostLatencyMs"/>.</summary>
    public static async Task<ReplicaDeployment> StartAsync(int replicas, int hosts, int hostLatencyMs = 20)
    {
        var database = await TestDatabase.CreateAsync();
        try
        {
            // The fleet registers through the admin API of the first replica, once every replica serves.
            var deployment = await DeploymentBuilder.On(database.ConnectionString, ScalingCluster.Configuration, TestKeyPrefix.New())
                .With(Settings)
                .Replicas(replicas, ReplicaKind.Process, Name)
                .Hosts(hosts, sim => sim with { LatencyMs = hostLatencyMs, HeartbeatIntervalMs = 500 })
                .StartAsync();
            return new ReplicaDeployment(database, deployment);
        }
        catch
        {
            await database.DisposeAsync();
            throw;
        }
    }

    /// <summary>Writes a line to the test's output, stamped with the seconds since the deployment started.</summary>
    public void Note(string line) => TestContext.Out.WriteLine($"[{_age.Elapsed.TotalSeconds,5:F1} s] {line}");

    public static string Name(int i) => $"replica-{i}";

    public string Url(string name) => _deployment[name].Url.ToString().TrimEnd('/');

    /// <summary>A client of one replica, with the team's key, as a load balancer would forward to it.</summary>
    public HttpClient Client(string name)
    {
        lock (_clients)
        {
            if (!_clients.TryGetValue(name, out var client))
            {
                client = Deployment.Client(_deployment[name], TeamKey);
                client.Timeout = TimeSpan.FromSeconds(20);
                _clients[name] = client;
            }
            return client;
        }
    }

    /// <summary>Starts the replica (again, on the port it had, when it ran before); returns once its process runs.</summary>
    public async Task<ControlPlaneProcess> StartAsync(string name) =>
        ((ProcessReplica)await _deployment.StartReplicaAsync(name, ReplicaKind.Process, waitUntilServing: false)).Process;

    /// <summary>SIGKILL: the replica dies with whatever it had in hand.</summary>
    public void Kill(string name) => _deployment.Kill(name);

    /// <summary>Until the replica answers /healthz (its port is open; it may still be joining).</summary>
    public Task WaitUntilServingAsync(string name) => ((ProcessReplica)_deployment[name]).WaitServingAsync(TimeSpan.FromSeconds(60));

    public Task<IReadOnlyList<LeaseStore.Lease>> LeasesAsync() =>
        LeaseStore.ListAsync(Database.DataSource, LeasePeriod, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }
        foreach (var name in Running)
        {
            _deployment.Kill(name);
        }
        KeepLogs(_deployment.Ended.Cast<ProcessReplica>().Select(replica => (replica.Name, replica.Process)));
        await _deployment.DisposeAsync();
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

    private static readonly Dictionary<string, string?> Settings = new()
    {
        ["Lifecycle:Streams:Partitions"] = $"{Partitions}",
        ["Lifecycle:Ownership:LeasePeriod"] = $"{LeasePeriod}",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Lifecycle.HostMonitoring"] = "Information",
        ["Logging:LogLevel:Lifecycle.Infrastructure.Ownership"] = "Information",
        ["Logging:Console:FormatterName"] = "simple",
        ["Logging:Console:FormatterOptions:TimestampFormat"] = "HH:mm:ss.fff ",
        ["Lifecycle:HostMonitor:Interval"] = "00:00:01",
        ["Lifecycle:HostMonitor:TransientGrace"] = "00:00:00.500",
        ["Lifecycle:HostMonitor:HostDeadline"] = "00:00:05",
        ["Lifecycle:HostMonitor:RedriveBackoff"] = "00:00:00.100",
        ["Lifecycle:HostMonitor:OrphanGrace"] = "00:00:01",
        ["Lifecycle:Operations:Deadline"] = "00:00:03",
        // The storm and its polling share one team key.
        ["Lifecycle:RateLimit:PermitsPerSecond"] = "100000",
        ["Lifecycle:RateLimit:Burst"] = "100000",
    };
}
