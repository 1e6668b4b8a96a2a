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

    private readonly int _apiPort = LocalServers.FreePort();
    private readonly int _consumerPort = LocalServers.FreePort();
    private readonly ProcessLog _log;
    private readonly ApiTarget _target;
    private ControlPlaneProcess? _main;
    private ControlPlaneProcess? _consumer;
    private Process? _simulator;

    private ChaosStack(string dir, ChaosServers servers, int hosts)
    {
        Servers = servers;
        Hosts = hosts;
        SimulatorAdminPort = LocalServers.FreePort();
        _log = new ProcessLog(dir);
        _target = new ApiTarget("chaos-main", new Uri($"http://127.0.0.1:{_apiPort}"));
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

    public bool ConsumerUp => _consumer is { Process.HasExited: false };

    public static async Task<ChaosStack> StartAsync(string dir, int hosts)
    {
        var servers = await ChaosServers.StartAsync(Path.Combine(dir, "servers"));
        var stack = new ChaosStack(dir, servers, hosts);
        await stack.StartControlPlaneAsync();
        stack.StartConsumer();
        stack.StartSimulator();
        return stack;
    }

    /// <summary>The control plane's settings in the soak, shared by both topologies.</summary>
    internal static string[] Settings(string name, int port, bool hostMonitor) =>
    [
        $"urls=http://127.0.0.1:{port}",
        "Logging:LogLevel:Default=Warning",
        $"Lifecycle:Replica:Name={name}",
        $"Lifecycle:Admin:Key={AdminKey}",
        "Lifecycle:Dev:Enabled=true",
        $"Lifecycle:Dev:ApiKey={TeamKey}",
        $"Lifecycle:HostMonitor:Enabled={hostMonitor}",
        $"Lifecycle:HostMonitor:Interval={Interval}",
        "Lifecycle:HostMonitor:TransientGrace=00:00:05",
        $"Lifecycle:HostMonitor:OrphanGrace={OrphanGrace}",
        "Lifecycle:HostMonitor:HeartbeatTimeout=00:00:15",
        $"Lifecycle:Ownership:LeasePeriod={LeasePeriod}",
        "Lifecycle:Operations:RpcTimeout=00:00:05",
        "Lifecycle:Operations:Deadline=00:00:15",
        "Lifecycle:Consumer:ClaimMinIdle=00:00:10",
        "Lifecycle:Consumer:MaintenanceInterval=00:00:05",
        "Lifecycle:RateLimit:PermitsPerSecond=100000",
        "Lifecycle:RateLimit:Burst=100000",
    ];

    private ControlPlaneProcess Launch(string name, int port, bool hostMonitor) =>
        ControlPlaneProcess.Start(Servers.Postgres, Servers.Redis, "", Settings(name, port, hostMonitor),
            echo: line => _log.Write(name, line));

    /// <summary>Starts the main control plane (again) and waits until it answers /healthz.</summary>
    public async Task StartControlPlaneAsync()
    {
        _main?.Dispose();
        _main = Launch("chaos-main", _apiPort, hostMonitor: true);
        _target.Starting();
        await WaitHealthyAsync(Api, _main, TimeSpan.FromSeconds(60));
        _target.MarkUp();
    }

    /// <summary><c>kill -9</c> of the main control plane.</summary>
    public void KillControlPlane()
    {
        _target.MarkDown();
        if (_main is { Process.HasExited: false } main)
        {
            Signals.KillNow(main.Pid);
            main.Kill();
        }
    }

    public bool ControlPlaneAlive => _main is { Process.HasExited: false };

    public void StartConsumer()
    {
        _consumer?.Dispose();
        _consumer = Launch(ConsumerName, _consumerPort, hostMonitor: false);
    }

    /// <summary>SIGKILL at once (see <see cref="Signals"/>), then reaped.</summary>
    public void KillConsumer()
    {
        if (_consumer is { Process.HasExited: false } consumer)
        {
            Signals.KillNow(consumer.Pid);
            consumer.Kill();
        }
    }

    public async Task StopConsumerAsync()
    {
        if (_consumer is not null)
        {
            await _consumer.StopAsync();
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
            StartConsumer();
        }
    }

    internal static async Task WaitHealthyAsync(Uri api, ControlPlaneProcess process, TimeSpan within)
    {
        using var http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < within)
        {
            if (process.Process.HasExited)
            {
                throw new InvalidOperationException(
                    $"the control plane exited ({process.Process.ExitCode}) while starting:\n{string.Join('\n', process.Lines.TakeLast(30))}");
            }
            try
            {
                using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the control plane did not answer /healthz within {within}");
    }

    public async ValueTask DisposeAsync()
    {
        await ChaosSimulator.StopAsync(_simulator);
        if (_consumer is not null)
        {
            await _consumer.StopAsync();
            _consumer.Dispose();
        }
        if (_main is not null)
        {
            await _main.StopAsync();
            _main.Dispose();
        }
        await Servers.StopAsync();
        _log.Dispose();
    }
}
