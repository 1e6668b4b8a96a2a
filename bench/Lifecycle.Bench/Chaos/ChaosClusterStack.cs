using System.Diagnostics;
using System.Globalization;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// The cluster topology: a six-node Redis Cluster (<see cref="LocalRedisCluster"/>), a durable Postgres,
/// three control-plane replicas (each its own name, 16 event partitions, the HostMonitor on every one),
/// HAProxy in front of them for the simulated hosts' registrations, heartbeats and callbacks, and the
/// simulator. The load talks to the replicas directly, round robin (see <see cref="ChaosLoad"/>), so that
/// each request knows which replica it met. A killed replica is started again by <see cref="StartReplicaAsync"/>,
/// as a supervisor would.
/// </summary>
public sealed class ChaosClusterStack : IChaosStack
{
    public const int ReplicaCount = 3;
    public const int PartitionCount = 16;

    private readonly string _postgresDir;
    private readonly int _postgresPort;
    private readonly int _balancerPort = LocalServers.FreePort();
    private readonly ProcessLog _log;
    private ApiTarget[] _targets;
    private Deployment _deployment = null!;
    private Process? _balancer;
    private Process? _simulator;

    private ChaosClusterStack(string dir, LocalRedisCluster cluster, int postgresPort, int hosts)
    {
        Cluster = cluster;
        _postgresDir = Path.Combine(dir, "servers");
        _postgresPort = postgresPort;
        Hosts = hosts;
        SimulatorAdminPort = LocalServers.FreePort();
        _log = new ProcessLog(dir);
        _targets = [];
    }

    public LocalRedisCluster Cluster { get; }

    public IReadOnlyList<ApiTarget> Targets => _targets;

    public Uri AdminApi => new($"http://127.0.0.1:{_balancerPort}");

    public int Hosts { get; }

    public int SimulatorAdminPort { get; }

    public string Redis => Cluster.Configuration;

    public string Postgres => $"Host=127.0.0.1;Port={_postgresPort};Username=lifecycle;Database=lifecycle";

    public string PostgresUnpooled => Postgres + ";Pooling=false";

    public int Partitions => PartitionCount;

    public bool SimulatorAlive => _simulator is null || !_simulator.HasExited;

    public static async Task<ChaosClusterStack> StartAsync(string dir, int hosts)
    {
        var cluster = await LocalRedisCluster.StartAsync(Path.Combine(dir, "cluster"));
        var stack = new ChaosClusterStack(dir, cluster, FreePortOtherThan(cluster.Ports), hosts);
        await stack.StartPostgresAgainAsync();
        stack._deployment = await ChaosStack.SoakDeployment(stack.Postgres, stack.Redis, stack._log)
            .With("Lifecycle:Streams:Partitions", $"{PartitionCount}")
            .StartAsync();
        stack._targets = [.. Enumerable.Range(1, ReplicaCount).Select(i => $"replica-{i}").Select(name => new ApiTarget(name, stack._deployment.UrlOf(name)))];
        // One at a time: the first applies the migrations, the others find them done.
        for (var i = 0; i < ReplicaCount; i++)
        {
            await stack.StartReplicaAsync(i);
        }
        stack.StartBalancer();
        stack._simulator = ChaosSimulator.Start(hosts, stack.AdminApi, stack.SimulatorAdminPort, stack._log);
        return stack;
    }

    public bool ReplicaAlive(int index) =>
        _deployment.Replicas.Any(replica => replica.Name == _targets[index].Name && replica is ProcessReplica { Alive: true });

    /// <summary>The replica's consumer name in every group: its replica name.</summary>
    public string ReplicaName(int index) => _targets[index].Name;

    /// <summary>Starts replica <paramref name="index"/> (again) on its port and waits until it answers /healthz.</summary>
    public Task StartReplicaAsync(int index) => ChaosStack.StartSupervisedAsync(_deployment, _targets[index]);

    /// <summary><c>kill -9</c> of one replica; it stays down until started again.</summary>
    public void KillReplica(int index)
    {
        _targets[index].MarkDown();
        ChaosStack.KillNow(_deployment, _targets[index].Name);
    }

    public Task StopPostgresImmediatelyAsync() => Script("crash", _postgresDir, "postgres");

    public Task StartPostgresAgainAsync() => Script("postgres-start", _postgresDir, _postgresPort.ToString(CultureInfo.InvariantCulture));

    public async Task RestoreAsync()
    {
        await StartPostgresAgainAsync();
        await Cluster.HealAsync(TimeSpan.FromSeconds(60));
        for (var i = 0; i < ReplicaCount; i++)
        {
            if (!ReplicaAlive(i))
            {
                await StartReplicaAsync(i);
            }
        }
    }

    /// <summary>HAProxy with the configuration <c>make run</c> uses (scripts/haproxy-config.sh): health checks every second, refused connections retried.</summary>
    private void StartBalancer()
    {
        var config = Path.Combine(_postgresDir, "..", "haproxy.cfg");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true };
        foreach (var argument in new[] { Path.Combine(LocalServers.RepositoryRoot(), "scripts", "haproxy-config.sh"), _balancerPort.ToString(CultureInfo.InvariantCulture) }
            .Concat(_targets.Select(t => t.Api.Port.ToString(CultureInfo.InvariantCulture))))
        {
            start.ArgumentList.Add(argument);
        }
        using (var generate = Process.Start(start)!)
        {
            File.WriteAllText(config, generate.StandardOutput.ReadToEnd());
            generate.WaitForExit();
        }
        var run = new ProcessStartInfo("haproxy") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { "-db", "-f", config })
        {
            run.ArgumentList.Add(argument);
        }
        _balancer = Process.Start(run)!;
        _balancer.OutputDataReceived += (_, e) => _log.Write("haproxy", e.Data);
        _balancer.ErrorDataReceived += (_, e) => _log.Write("haproxy", e.Data);
        _balancer.BeginOutputReadLine();
        _balancer.BeginErrorReadLine();
    }

    private static int FreePortOtherThan(IReadOnlyList<int> taken)
    {
        int port;
        while (taken.Contains(port = LocalServers.FreePort()))
        {
        }
        return port;
    }

    private static Task Script(params string[] arguments) => ChaosServers.Script(arguments);

    public async ValueTask DisposeAsync()
    {
        await ChaosSimulator.StopAsync(_simulator);
        if (_balancer is { HasExited: false })
        {
            _balancer.Kill();
            await _balancer.WaitForExitAsync();
        }
        _balancer?.Dispose();
        // Null only when the start failed before the deployment stood.
        if (_deployment is not null)
        {
            foreach (var replica in _deployment.Replicas)
            {
                await replica.StopAsync();
            }
            await _deployment.DisposeAsync();
        }
        await Cluster.DisposeAsync();
        await Script("stop", _postgresDir, "postgres");
        _log.Dispose();
    }
}
