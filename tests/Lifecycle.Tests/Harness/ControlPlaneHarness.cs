using System.Net.Http.Json;
using System.Text.Json;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.Infrastructure.Ownership;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.DependencyInjection;
using IConnectionMultiplexer = StackExchange.Redis.IConnectionMultiplexer;
using IDatabase = StackExchange.Redis.IDatabase;

namespace Lifecycle.Tests;

/// <summary>
/// The real control plane in this process on a free port (real HTTP), with simulated hosts on real gRPC
/// ports, its own database and its own Redis key prefix: a one-replica <see cref="Deployment"/> from the
/// <see cref="DeploymentBuilder"/>, with what tests of one control plane read of it. The dev team's key is
/// <see cref="ApiKey"/>.
/// </summary>
public sealed class ControlPlaneHarness : IAsyncDisposable
{
    public const string ApiKey = DeploymentBuilder.TeamKey;

    public const string AdminKey = DeploymentBuilder.AdminKey;

    private const string KeyPrefixSetting = "Lifecycle:Streams:KeyPrefix";
    private const string ReplicaNameSetting = "Lifecycle:Replica:Name";

    private readonly Deployment _deployment;
    private readonly InProcessReplica _replica;
    private readonly bool _ownsDatabase;

    private ControlPlaneHarness(Deployment deployment, InProcessReplica replica, SimulatedFleet fleet, TestDatabase database, bool ownsDatabase)
    {
        _deployment = deployment;
        _replica = replica;
        _ownsDatabase = ownsDatabase;
        Fleet = fleet;
        Database = database;
        Client = ClientWithKey(ApiKey);
    }

    public SimulatedFleet Fleet { get; }

    public TestDatabase Database { get; }

    public string KeyPrefix => _deployment.KeyPrefix;

    public Uri BaseAddress => _replica.Url;

    /// <summary>An HTTP client with the dev team's key.</summary>
    public HttpClient Client { get; }

    public IServiceProvider Services => _replica.Services;

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
    /// <param name="simulator">Changes to the simulated hosts' options beyond those above.</param>
    public static async Task<ControlPlaneHarness> StartAsync(
        int hosts = 1, int latencyMs = 0, IDictionary<string, string?>? settings = null, TestDatabase? database = null, string? redis = null,
        int heartbeatMs = 30_000, CapturedLogs? logs = null, bool snapshotsOffHost = false,
        Func<SimulatorOptions, SimulatorOptions>? simulator = null)
    {
        database ??= await TestDatabase.CreateAsync();
        var builder = DeploymentBuilder.On(database.ConnectionString, redis ?? TestServers.Redis,
                settings?.TryGetValue(KeyPrefixSetting, out var prefix) == true ? prefix! : TestKeyPrefix.New())
            .With("Lifecycle:Consumer:PollInterval", "00:00:00.100")
            .With("Lifecycle:HostMonitor:Enabled", "false")
            .With(settings?.Where(setting => setting.Key is not (KeyPrefixSetting or ReplicaNameSetting)))
            // Unique unless the test names it, so harnesses sharing a database are different replicas.
            .Replicas(1, ReplicaKind.InProcess, _ => settings?.TryGetValue(ReplicaNameSetting, out var name) == true ? name! : $"harness-{Guid.NewGuid():N}"[..16]);
        if (logs is not null)
        {
            builder.LogTo(logs);
        }
        return await StartAsync(builder, database, ownsDatabase: true, hosts,
            sim => (simulator ?? (same => same))(sim with { LatencyMs = latencyMs, HeartbeatIntervalMs = heartbeatMs, SnapshotsOffHost = snapshotsOffHost }));
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
        StartAsync(DeploymentBuilder.On(_deployment.Postgres, _deployment.Redis, _deployment.KeyPrefix)
                .With(_deployment.Settings)
                .Replicas(1, ReplicaKind.InProcess, _ => $"replica-{Guid.NewGuid():N}"[..16]),
            Database, ownsDatabase: false, hosts, sim => sim with { LatencyMs = 0, NamePrefix = hostNamePrefix });

    /// <summary>
    /// Another replica in this process with no hosts of its own, as behind a load balancer, named
    /// <paramref name="name"/>: a client of the dev team for it. It stops with this harness.
    /// </summary>
    public async Task<HttpClient> StartBareReplicaAsync(string name) =>
        Deployment.Client(await _deployment.StartReplicaAsync(name, ReplicaKind.InProcess), ApiKey);

    /// <summary>
    /// Another replica beside this one as its own OS process (to kill or freeze), named <paramref name="name"/>,
    /// with this one's settings and <paramref name="overrides"/>; returned as soon as its process runs. It is
    /// killed when this harness is disposed.
    /// </summary>
    public async Task<ControlPlaneProcess> StartProcessReplicaAsync(
        string name, IEnumerable<KeyValuePair<string, string?>>? overrides = null, bool waitUntilServing = false) =>
        ((ProcessReplica)await _deployment.StartReplicaAsync(name, ReplicaKind.Process, overrides, waitUntilServing)).Process;

    /// <summary>SIGKILL of the process replica named <paramref name="name"/>.</summary>
    public void KillReplica(string name) => _deployment.Kill(name);

    /// <summary>The address of the process replica named <paramref name="name"/>.</summary>
    public Uri UrlOf(string name) => _deployment.UrlOf(name);

    private static async Task<ControlPlaneHarness> StartAsync(
        DeploymentBuilder builder, TestDatabase database, bool ownsDatabase, int hosts, Func<SimulatorOptions, SimulatorOptions> simulator)
    {
        var deployment = await builder.StartAsync();
        try
        {
            var replica = (InProcessReplica)deployment.Replicas[0];
            if (ownsDatabase)
            {
                // The first replica on its database; a later one shares the partitions and need not wait.
                await OwnsEveryPartitionAsync(replica.Services);
            }
            var fleet = await deployment.StartFleetAsync(replica, hosts, simulator);
            return new ControlPlaneHarness(deployment, replica, fleet, database, ownsDatabase);
        }
        catch
        {
            await deployment.DisposeAsync();
            throw;
        }
    }

    public HttpClient ClientWithKey(string? apiKey) => Deployment.Client(_replica, apiKey);

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
    public Task StopAppAsync() => _replica.StopAsync();

    /// <summary>The partition's applier group; default when the stream or group does not exist yet (its consumer creates both).</summary>
    private async Task<StackExchange.Redis.StreamGroupInfo> ApplierGroupAsync(string events) =>
        await Redis.KeyExistsAsync(events)
            ? (await Redis.StreamGroupInfoAsync(events)).SingleOrDefault(g => g.Name == StreamKeys.ApplierGroup)
            : default;

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _deployment.DisposeAsync();
        if (_ownsDatabase)
        {
            await Database.DisposeAsync();
        }
    }
}
