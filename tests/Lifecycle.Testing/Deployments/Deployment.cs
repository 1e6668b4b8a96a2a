using System.Net.Http.Headers;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Testing.Deployments;

/// <summary>
/// A running deployment (see <see cref="DeploymentBuilder"/>): its replicas by name, its fleets, and the
/// means to add, stop, kill and start replicas again. Disposing it stops every replica and fleet; the
/// database and the Redis are the caller's.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private readonly List<Replica> _running = [];
    private readonly List<Replica> _ended = [];
    private readonly Dictionary<string, int> _ports = [];
    private readonly List<SimulatedFleet> _fleets = [];
    private readonly ILoggerProvider? _logs;
    private readonly Action<string, string>? _echo;

    internal Deployment(string postgres, string redis, string keyPrefix, IReadOnlyDictionary<string, string?> settings,
        ILoggerProvider? logs, Action<string, string>? echo)
    {
        Postgres = postgres;
        Redis = redis;
        KeyPrefix = keyPrefix;
        Settings = settings;
        _logs = logs;
        _echo = echo;
    }

    public string Postgres { get; }

    public string Redis { get; }

    public string KeyPrefix { get; }

    /// <summary>The settings every replica starts with (its name and port aside).</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; }

    /// <summary>The replicas running now, in the order they started.</summary>
    public IReadOnlyList<Replica> Replicas => _running;

    /// <summary>Every replica that ran and was killed or stopped, for its logs.</summary>
    public IReadOnlyList<Replica> Ended => _ended;

    public Replica this[string name] => _running.Single(replica => replica.Name == name);

    /// <summary>The fleet the builder started, registered through the first replica.</summary>
    public SimulatedFleet Fleet => _fleets.Count > 0 ? _fleets[0] : throw new InvalidOperationException("the deployment has no hosts");

    /// <summary>
    /// Starts a replica under <paramref name="name"/> with the deployment's settings and <paramref name="overrides"/>;
    /// a process replica started again gets the port it had. Returns once it serves, unless <paramref name="waitUntilServing"/>
    /// is false (a process replica then returns as soon as its process starts).
    /// </summary>
    public async Task<Replica> StartReplicaAsync(
        string name, ReplicaKind kind, IEnumerable<KeyValuePair<string, string?>>? overrides = null, bool waitUntilServing = true)
    {
        var configuration = new Dictionary<string, string?>(Settings)
        {
            ["Lifecycle:Postgres:ConnectionString"] = Postgres,
            ["Lifecycle:Redis:Configuration"] = Redis,
            ["Lifecycle:Streams:KeyPrefix"] = KeyPrefix,
            ["Lifecycle:Replica:Name"] = name,
        };
        foreach (var (key, value) in overrides ?? [])
        {
            configuration[key] = value;
        }
        // A process that died of itself is started again under its name, as a supervisor would.
        if (_running.SingleOrDefault(running => running.Name == name) is { } earlier)
        {
            if (earlier is not ProcessReplica { Alive: false })
            {
                throw new InvalidOperationException($"{name} is running already");
            }
            _running.Remove(earlier);
            _ended.Add(earlier);
        }
        Replica replica = kind == ReplicaKind.InProcess
            ? await InProcessReplica.StartAsync(name, configuration, _logs)
            : await StartProcessAsync(name, configuration, waitUntilServing);
        _running.Add(replica);
        return replica;
    }

    /// <summary>
    /// The address a process replica named <paramref name="name"/> serves on, kept for every start of it: drawn
    /// now when it has not run yet, so a balancer or a load can be pointed at it before it starts.
    /// </summary>
    public Uri UrlOf(string name)
    {
        if (!_ports.TryGetValue(name, out var port))
        {
            port = LocalServers.FreePort();
            _ports[name] = port;
        }
        return new Uri($"http://127.0.0.1:{port}");
    }

    private async Task<ProcessReplica> StartProcessAsync(string name, Dictionary<string, string?> configuration, bool waitUntilServing)
    {
        var url = UrlOf(name);
        configuration["urls"] = url.ToString();
        var echo = _echo;
        var process = ControlPlaneProcess.Start(configuration, echo is null ? null : line => echo(name, line));
        var replica = new ProcessReplica(name, url, process);
        if (!waitUntilServing)
        {
            return replica;
        }
        try
        {
            await replica.WaitServingAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            _ended.Add(replica);
            throw;
        }
        return replica;
    }

    /// <summary>SIGKILL of a process replica.</summary>
    public void Kill(string name)
    {
        var replica = (ProcessReplica)this[name];
        _running.Remove(replica);
        replica.Kill();
        _ended.Add(replica);
    }

    /// <summary>A clean stop of a replica: it leaves and gives up its leases.</summary>
    public async Task StopAsync(string name)
    {
        var replica = this[name];
        _running.Remove(replica);
        await replica.StopAsync();
        _ended.Add(replica);
    }

    /// <summary>A fleet of <paramref name="hosts"/> simulated hosts registered through <paramref name="via"/>, shaped by <paramref name="simulator"/>.</summary>
    public async Task<SimulatedFleet> StartFleetAsync(Replica via, int hosts, Func<SimulatorOptions, SimulatorOptions>? simulator = null)
    {
        var options = new SimulatorOptions
        {
            HostCount = hosts,
            ControlPlaneUrl = via.Url.ToString().TrimEnd('/'),
            AdminKey = Settings["Lifecycle:Admin:Key"]!,
            Insecure = Settings.GetValueOrDefault("Lifecycle:HostTrust:Insecure") == "true",
        };
        var logs = _logs;
        var fleet = await SimulatedFleet.StartAsync(simulator is null ? options : simulator(options),
            logs is null ? null : LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)), CancellationToken.None);
        _fleets.Add(fleet);
        return fleet;
    }

    /// <summary>An HTTP client of <paramref name="replica"/> with <paramref name="key"/> as its bearer (none when null).</summary>
    public static HttpClient Client(Replica replica, string? key)
    {
        var client = new HttpClient { BaseAddress = replica.Url };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        // Newest first, as a host stops its services; then the ones that ended, whose processes are reaped.
        var replicas = Enumerable.Reverse(_running).Concat(_ended).ToList();
        _ended.AddRange(_running);
        _running.Clear();
        foreach (var replica in replicas)
        {
            await replica.DisposeAsync();
        }
        foreach (var fleet in _fleets)
        {
            await fleet.DisposeAsync();
        }
        _fleets.Clear();
    }
}
