using System.Diagnostics;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// Everything the soak runs, each as its own process: the servers, the control plane (supervised: a
/// killed one is started again with the same settings, as <c>make run</c> starts it), an extra
/// consumer-only control plane to kill mid-drain, and the simulated hosts with their admin endpoint.
/// Timings are short so that a run converges in seconds, not minutes.
/// </summary>
public sealed class ChaosStack : IChaosStack
{
    public const string AdminKey = "chaos-admin-key";
    public const string TeamKey = "chaos-team-key";
    public const string ConsumerName = "chaos-consumer";
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan OrphanGrace = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LeasePeriod = TimeSpan.FromSeconds(5);

    private const string MainName = "chaos-main";

    private readonly ProcessLog _log;
    private readonly Deployment _deployment;
    private readonly ApiTarget _target;
    private Process? _simulator;

    private ChaosStack(ChaosServers servers, int hosts, ProcessLog log, Deployment deployment)
    {
        Servers = servers;
        Hosts = hosts;
        SimulatorAdminPort = LocalServers.FreePort();
        _log = log;
        _deployment = deployment;
        _target = new ApiTarget(MainName, deployment.UrlOf(MainName));
    }

    public ChaosServers Servers { get; }

    public int Hosts { get; }

    public int SimulatorAdminPort { get; }

    public Uri Api => _target.Api;

    public IReadOnlyList<ApiTarget> Targets => [_target];

    public Uri AdminApi => Api;

    public string Redis => Servers.Redis;

    public string PostgresUnpooled => Servers.PostgresUnpooled;

    public int Partitions => 1;

    /// <summary>Bumped on every start of the main control plane; requests note it when sent and answered.</summary>
    public int Generation => _target.Generation;

    /// <summary>False from just before a kill until the restarted control plane answers /healthz.</summary>
    public bool ControlPlaneUp => _target.Up;

    public bool ConsumerUp => Alive(ConsumerName);

    public static async Task<ChaosStack> StartAsync(string dir, int hosts)
    {
        var servers = await ChaosServers.StartAsync(Path.Combine(dir, "servers"));
        var log = new ProcessLog(dir);
        var stack = new ChaosStack(servers, hosts, log, await SoakDeployment(servers.Postgres, servers.Redis, log).StartAsync());
        await stack.StartControlPlaneAsync();
        await stack.StartConsumerAsync();
        stack.StartSimulator();
        return stack;
    }

    /// <summary>
    /// The soak's deployment on the servers given, with no replica running yet: the control plane's settings in
    /// the soak (shared by both topologies; timings short so a run converges in seconds), every line of every
    /// replica into the run's log under its name.
    /// </summary>
    internal static DeploymentBuilder SoakDeployment(string postgres, string redis, ProcessLog log) =>
        DeploymentBuilder.On(postgres, redis, "")
            .With("Logging:LogLevel:Default", "Warning")
            .With("Lifecycle:Admin:Key", AdminKey)
            .With("Lifecycle:Dev:ApiKey", TeamKey)
            .With("Lifecycle:HostMonitor:Interval", $"{Interval}")
            .With("Lifecycle:HostMonitor:TransientGrace", "00:00:05")
            .With("Lifecycle:HostMonitor:OrphanGrace", $"{OrphanGrace}")
            .With("Lifecycle:HostMonitor:HeartbeatTimeout", "00:00:15")
            .With("Lifecycle:Ownership:LeasePeriod", $"{LeasePeriod}")
            .With("Lifecycle:Operations:RpcTimeout", "00:00:05")
            .With("Lifecycle:Operations:Deadline", "00:00:15")
            .With("Lifecycle:Consumer:ClaimMinIdle", "00:00:10")
            .With("Lifecycle:Consumer:MaintenanceInterval", "00:00:05")
            .Replicas(0, ReplicaKind.Process)
            .Echo((name, line) => log.Write(name, line));

    /// <summary>Starts a replica (again, on the port it had) and waits until it answers /healthz, marking <paramref name="target"/> as it goes.</summary>
    internal static async Task StartSupervisedAsync(Deployment deployment, ApiTarget target, IEnumerable<KeyValuePair<string, string?>>? overrides = null)
    {
        var replica = (ProcessReplica)await deployment.StartReplicaAsync(target.Name, ReplicaKind.Process, overrides, waitUntilServing: false);
        target.Starting();
        await replica.WaitServingAsync(TimeSpan.FromSeconds(60));
        target.MarkUp();
    }

    /// <summary>SIGKILL at once (see <see cref="Signals"/>), then reaped.</summary>
    internal static void KillNow(Deployment deployment, string name)
    {
        if (deployment.Replicas.SingleOrDefault(replica => replica.Name == name) is ProcessReplica { Alive: true } replica)
        {
            Signals.KillNow(replica.Process.Pid);
            deployment.Kill(name);
        }
    }

    private bool Alive(string name) => _deployment.Replicas.Any(replica => replica.Name == name && replica is ProcessReplica { Alive: true });

    /// <summary>Starts the main control plane (again) and waits until it answers /healthz.</summary>
    public Task StartControlPlaneAsync() => StartSupervisedAsync(_deployment, _target);

    /// <summary><c>kill -9</c> of the main control plane.</summary>
    public void KillControlPlane()
    {
        _target.MarkDown();
        KillNow(_deployment, MainName);
    }

    public bool ControlPlaneAlive => Alive(MainName);

    /// <summary>The consumer-only control plane (its HostMonitor off), (again) without waiting for it.</summary>
    public Task StartConsumerAsync() =>
        _deployment.StartReplicaAsync(ConsumerName, ReplicaKind.Process, [KeyValuePair.Create("Lifecycle:HostMonitor:Enabled", (string?)"false")],
            waitUntilServing: false);

    public void KillConsumer() => KillNow(_deployment, ConsumerName);

    public async Task StopConsumerAsync()
    {
        if (_deployment.Replicas.SingleOrDefault(replica => replica.Name == ConsumerName) is { } consumer)
        {
            await consumer.StopAsync();
        }
    }

    private void StartSimulator() => _simulator = ChaosSimulator.Start(Hosts, Api, SimulatorAdminPort, _log);

    public bool SimulatorAlive => _simulator is null || !_simulator.HasExited;

    public Task StopPostgresImmediatelyAsync() => Servers.StopPostgresImmediatelyAsync();

    public Task StartPostgresAgainAsync() => Servers.StartAgainAsync();

    public async Task RestoreAsync()
    {
        await Servers.StartAgainAsync();
        if (!ControlPlaneAlive)
        {
            await StartControlPlaneAsync();
        }
        if (!ConsumerUp)
        {
            await StartConsumerAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await ChaosSimulator.StopAsync(_simulator);
        // A clean stop of each, as an orchestrator would, then reaped.
        foreach (var replica in _deployment.Replicas.Reverse())
        {
            await replica.StopAsync();
        }
        await _deployment.DisposeAsync();
        await Servers.StopAsync();
        _log.Dispose();
    }
}
