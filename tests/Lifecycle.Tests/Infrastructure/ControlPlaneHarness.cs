using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.ControlPlane;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Streams;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using IConnectionMultiplexer = StackExchange.Redis.IConnectionMultiplexer;
using IDatabase = StackExchange.Redis.IDatabase;

namespace Lifecycle.Tests;

/// <summary>
/// The real control plane on a free port (real HTTP), with simulated hosts on real gRPC ports, its
/// own database and its own Redis key prefix. The dev team's key is <see cref="ApiKey"/>.
/// </summary>
public sealed class ControlPlaneHarness : IAsyncDisposable
{
    public const string ApiKey = "test-team-key";

    public const string AdminKey = "test-admin-key";

    private readonly WebApplication _app;
    private readonly IReadOnlyDictionary<string, string?> _configuration;
    private readonly bool _ownsDatabase;

    private ControlPlaneHarness(WebApplication app, IReadOnlyDictionary<string, string?> configuration, TestDatabase database, bool ownsDatabase,
        string keyPrefix, Uri baseAddress)
    {
        _app = app;
        _configuration = configuration;
        _ownsDatabase = ownsDatabase;
        Database = database;
        KeyPrefix = keyPrefix;
        BaseAddress = baseAddress;
        Client = ClientWithKey(ApiKey);
    }

    public SimulatedFleet Fleet { get; private set; } = null!;

    private bool _stopped;

    public TestDatabase Database { get; }

    public string KeyPrefix { get; }

    public Uri BaseAddress { get; }

    /// <summary>An HTTP client with the dev team's key.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public StreamKeys Keys => Services.GetRequiredService<StreamKeys>();

    public IDatabase Redis => Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();

    /// <summary>
    /// Starts the control plane, then the simulated hosts, which register through the admin API and
    /// heartbeat every <paramref name="heartbeatMs"/>. The HostMonitor is off unless
    /// <paramref name="settings"/> turn it on (<c>Lifecycle:HostMonitor:Enabled</c>): most tests seed
    /// rows that no host runs, and must not see it settle them.
    /// </summary>
    /// <param name="database">A database to use (and drop at the end); a new one on the shared server by default.</param>
    /// <param name="redis">A Redis to use; the shared one by default.</param>
    /// <param name="logs">When given, every log entry of the control plane and the hosts, at every level, lands here.</param>
    /// <param name="snapshotsOffHost">The hosts keep paused sandboxes' snapshots off the host too (they outlive a restart).</param>
    public static async Task<ControlPlaneHarness> StartAsync(
        int hosts = 1, int latencyMs = 0, IDictionary<string, string?>? settings = null, TestDatabase? database = null, string? redis = null,
        int heartbeatMs = 30_000, CapturedLogs? logs = null, bool snapshotsOffHost = false)
    {
        database ??= await TestDatabase.CreateAsync();
        var keyPrefix = TestKeyPrefix.New();
        var configuration = new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = redis ?? TestServers.Redis,
            ["Lifecycle:Streams:KeyPrefix"] = keyPrefix,
            ["Lifecycle:Consumer:PollInterval"] = "00:00:00.100",
            ["Lifecycle:Dev:Enabled"] = "true",
            ["Lifecycle:Dev:TeamName"] = "test-team",
            ["Lifecycle:Dev:ApiKey"] = ApiKey,
            ["Lifecycle:Admin:Key"] = AdminKey,
            ["Lifecycle:HostMonitor:Enabled"] = "false",
            // Tests fire bursts from one key; the rate-limit test sets its own limits.
            ["Lifecycle:RateLimit:PermitsPerSecond"] = "100000",
            ["Lifecycle:RateLimit:Burst"] = "100000",
            // Unique, so harnesses sharing a database are different replicas.
            ["Lifecycle:Replica:Name"] = $"harness-{Guid.NewGuid():N}"[..16],
            // Mutual TLS with the hosts, from the run's CA, as in production.
            ["Lifecycle:HostTrust:CaCertificatePath"] = TestCertificateAuthority.Shared.CertificatePath,
            ["Lifecycle:HostTrust:CaKeyPath"] = TestCertificateAuthority.Shared.KeyPath,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }
        return await StartAsync(configuration, database, ownsDatabase: true, keyPrefix, hosts, latencyMs, heartbeatMs, logs, snapshotsOffHost);
    }

    /// <summary>
    /// Another replica beside this one, as behind a load balancer: its own app (and consumer, and
    /// <paramref name="hosts"/> simulated hosts of its own) on the same database, Redis and key prefix,
    /// with this one's settings. The database stays this harness's to drop.
    /// </summary>
    /// <param name="hostNamePrefix">
    /// Its hosts' names begin with this; by default they are named as this harness's (sim-0, …), so they replace
    /// them (a name in service is decommissioned when a host registers it again).
    /// </param>
    public Task<ControlPlaneHarness> StartReplicaAsync(int hosts = 1, string hostNamePrefix = "sim") =>
        StartAsync(new Dictionary<string, string?>(_configuration) { ["Lifecycle:Replica:Name"] = $"replica-{Guid.NewGuid():N}"[..16] },
            Database, ownsDatabase: false, _configuration["Lifecycle:Streams:KeyPrefix"]!, hosts, latencyMs: 0, heartbeatMs: 30_000, logs: null,
            snapshotsOffHost: false, hostNamePrefix);

    private static async Task<ControlPlaneHarness> StartAsync(Dictionary<string, string?> configuration, TestDatabase database, bool ownsDatabase,
        string keyPrefix, int hosts, int latencyMs, int heartbeatMs, CapturedLogs? logs, bool snapshotsOffHost, string hostNamePrefix = "sim")
    {
        var app = ControlPlaneApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.SetMinimumLevel(logs is null ? LogLevel.Warning : LogLevel.Trace);
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }
        });
        await app.StartAsync();
        if (ownsDatabase)
        {
            // The first replica on its database; a later one shares the partitions and need not wait.
            await OwnsEveryPartitionAsync(app.Services);
        }
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var harness = new ControlPlaneHarness(app, configuration, database, ownsDatabase, keyPrefix, new Uri(address));
        harness.Fleet = await SimulatedFleet.StartAsync(new SimulatorOptions
        {
            HostCount = hosts,
            LatencyMs = latencyMs,
            ControlPlaneUrl = address,
            AdminKey = AdminKey,
            HeartbeatIntervalMs = heartbeatMs,
            SnapshotsOffHost = snapshotsOffHost,
            NamePrefix = hostNamePrefix,
            Insecure = configuration.GetValueOrDefault("Lifecycle:HostTrust:Insecure") == "true",
        }, logs is null ? null : LoggerFactory.Create(logging => logging.SetMinimumLevel(LogLevel.Trace).AddProvider(logs)), CancellationToken.None);
        return harness;
    }

    public HttpClient ClientWithKey(string? apiKey)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (apiKey is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }
        return client;
    }

    /// <summary>Creates a sandbox with the dev team's key and waits until it runs; returns its id.</summary>
    public async Task<string> CreateRunningAsync(int timeoutSec = 300)
    {
        var response = await Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", timeout_sec = timeoutSec });
        response.EnsureSuccessStatusCode();
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        await WaitForStatusAsync(id, "running");
        return id;
    }

    /// <summary>Polls GET until the sandbox has <paramref name="status"/>; fails with the last status seen.</summary>
    public Task<JsonElement> WaitForStatusAsync(string sandboxId, string status, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{sandboxId}"),
            sandbox => sandbox.GetProperty("status").GetString() == status, timeout ?? TimeSpan.FromSeconds(10),
            $"sandbox {sandboxId} is {status}", TimeSpan.FromMilliseconds(20));

    /// <summary>
    /// A lone replica takes every event partition at its first ownership round; tests start once it has,
    /// so their first event is not left waiting for it. Not an assertion: a test that starts with Postgres
    /// away (or shares partitions with other replicas) goes on after the deadline.
    /// </summary>
    private static async Task OwnsEveryPartitionAsync(IServiceProvider services)
    {
        var coordinator = services.GetRequiredService<OwnershipCoordinator>();
        var partitions = services.GetRequiredService<StreamKeys>().Partitions.Count;
        await Eventually.WithinAsync(() => Task.FromResult(coordinator.Owned(LeaseKind.EventPartitions).Count >= partitions),
            TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20));
    }

    /// <summary>
    /// Polls until every partition's applier group has nothing unread and, all partitions together, at
    /// most <paramref name="pendingAllowed"/> pending.
    /// </summary>
    public Task WaitForConsumerIdleAsync(TimeSpan? timeout = null, int pendingAllowed = 0) =>
        Eventually.ValueAsync(async () =>
            {
                var groups = await Task.WhenAll(Keys.Partitions.Select(p => ApplierGroupAsync(p.Events)));
                return new ConsumerBacklog(groups.Count(g => g.Name is null), groups.Sum(g => g.PendingMessageCount), groups.Sum(g => g.Lag ?? 1));
            },
            backlog => backlog.GroupsMissing == 0 && backlog.Pending <= pendingAllowed && backlog.Lag == 0,
            timeout ?? TimeSpan.FromSeconds(10), $"the appliers are idle (at most {pendingAllowed} pending)", TimeSpan.FromMilliseconds(20));

    private sealed record ConsumerBacklog(int GroupsMissing, long Pending, long Lag);

    /// <summary>Stops the control plane cleanly (its replica leaves and gives up its leases); the hosts and the database stay.</summary>
    public async Task StopAppAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _app.StopAsync();
        }
    }

    /// <summary>The partition's applier group; default when the stream or group does not exist yet (its consumer creates both).</summary>
    private async Task<StackExchange.Redis.StreamGroupInfo> ApplierGroupAsync(string events) =>
        await Redis.KeyExistsAsync(events)
            ? (await Redis.StreamGroupInfoAsync(events)).SingleOrDefault(g => g.Name == StreamKeys.ApplierGroup)
            : default;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await StopAppAsync();
        await _app.DisposeAsync();
        await Fleet.DisposeAsync();
        if (_ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }
}
