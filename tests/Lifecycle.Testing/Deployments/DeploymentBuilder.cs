using Lifecycle.HostAgentSim;
using Microsoft.Extensions.Logging;

namespace Lifecycle.Testing.Deployments;

/// <summary>
/// The one way tests, benchmarks and the soak stand up a deployment of the control plane: its database, its
/// Redis (single or a cluster) and key prefix, the settings every replica shares, its replicas (in this
/// process or as OS processes that can be killed), and simulated hosts registered through the admin API.
/// <code>
/// await using var deployment = await DeploymentBuilder.On(database, redis, prefix)
///     .With("Lifecycle:HostMonitor:Enabled", "true")
///     .Replicas(3, ReplicaKind.Process)
///     .Hosts(4, sim => sim with { LatencyMs = 20 })
///     .StartAsync();
/// </code>
/// </summary>
public sealed class DeploymentBuilder
{
    public const string AdminKey = "test-admin-key";
    public const string TeamKey = "test-team-key";

    private readonly Dictionary<string, string?> _settings;
    private int _replicas = 1;
    private ReplicaKind _kind = ReplicaKind.InProcess;
    private Func<int, string> _name = i => $"replica-{i}";
    private int _hosts;
    private Func<SimulatorOptions, SimulatorOptions> _simulator = options => options;
    private ILoggerProvider? _logs;
    private Action<string, string>? _echo;

    private DeploymentBuilder(string postgres, string redis, string keyPrefix)
    {
        Postgres = postgres;
        Redis = redis;
        KeyPrefix = keyPrefix;
        _settings = new Dictionary<string, string?>
        {
            ["Lifecycle:Admin:Key"] = AdminKey,
            ["Lifecycle:Dev:Enabled"] = "true",
            ["Lifecycle:Dev:TeamName"] = "test-team",
            ["Lifecycle:Dev:ApiKey"] = TeamKey,
            // Tests and loads fire bursts from one key; a test of the rate limit sets its own.
            ["Lifecycle:RateLimit:PermitsPerSecond"] = "100000",
            ["Lifecycle:RateLimit:Burst"] = "100000",
        };
        // Mutual TLS with the hosts, from the run's CA, as in production.
        foreach (var (key, value) in TestCertificateAuthority.Shared.Settings)
        {
            _settings[key] = value;
        }
    }

    /// <param name="postgres">The connection string of the deployment's database (migrated or not: a replica migrates it).</param>
    /// <param name="redis">StackExchange.Redis configuration: one server, or a cluster's nodes.</param>
    /// <param name="keyPrefix">The deployment's Redis key prefix; deployments sharing a Redis are told apart by it.</param>
    public static DeploymentBuilder On(string postgres, string redis, string keyPrefix) => new(postgres, redis, keyPrefix);

    public string Postgres { get; }

    public string Redis { get; }

    public string KeyPrefix { get; }

    /// <summary>Every replica's settings, the builder's defaults with what was set over them.</summary>
    public IReadOnlyDictionary<string, string?> Settings => _settings;

    /// <summary>A setting for every replica (<c>Lifecycle:HostMonitor:Enabled</c> = <c>true</c>); null removes a default.</summary>
    public DeploymentBuilder With(string key, string? value)
    {
        _settings[key] = value;
        return this;
    }

    public DeploymentBuilder With(IEnumerable<KeyValuePair<string, string?>>? settings)
    {
        foreach (var (key, value) in settings ?? [])
        {
            _settings[key] = value;
        }
        return this;
    }

    /// <summary><paramref name="count"/> replicas (zero for a deployment with no control plane running), named by <paramref name="name"/> from 1.</summary>
    public DeploymentBuilder Replicas(int count, ReplicaKind kind, Func<int, string>? name = null)
    {
        _replicas = count;
        _kind = kind;
        _name = name ?? _name;
        return this;
    }

    /// <summary>A simulated fleet of <paramref name="count"/> hosts registered through the first replica, shaped by <paramref name="simulator"/>.</summary>
    public DeploymentBuilder Hosts(int count, Func<SimulatorOptions, SimulatorOptions>? simulator = null)
    {
        _hosts = count;
        _simulator = simulator ?? _simulator;
        return this;
    }

    /// <summary>Every log entry of in-process replicas and of the fleet, at every level, lands in <paramref name="logs"/>.</summary>
    public DeploymentBuilder LogTo(ILoggerProvider logs)
    {
        _logs = logs;
        return this;
    }

    /// <summary>Each line a process replica writes is also passed to <paramref name="echo"/> with the replica's name.</summary>
    public DeploymentBuilder Echo(Action<string, string> echo)
    {
        _echo = echo;
        return this;
    }

    /// <summary>Starts the replicas, waits until each serves, then starts the fleet.</summary>
    public async Task<Deployment> StartAsync()
    {
        var deployment = new Deployment(Postgres, Redis, KeyPrefix, new Dictionary<string, string?>(_settings), _logs, _echo);
        try
        {
            for (var i = 1; i <= _replicas; i++)
            {
                await deployment.StartReplicaAsync(_name(i), _kind);
            }
            if (_hosts > 0)
            {
                await deployment.StartFleetAsync(deployment.Replicas[0], _hosts, _simulator);
            }
            return deployment;
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }
}
