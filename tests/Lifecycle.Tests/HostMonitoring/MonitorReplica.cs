using Lifecycle.HostMonitoring;
using Lifecycle.Infrastructure;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.HostMonitoring;

/// <summary>
/// The HostMonitor's parts as one more replica has them (singletons of its own: brake, orphan tracker,
/// counters) on a harness's database and Redis, with no schedule: the test runs its passes over a host.
/// </summary>
public sealed class MonitorReplica : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private MonitorReplica(ServiceProvider services) => _services = services;

    public ReconcileCounters Counters => _services.GetRequiredService<ReconcileCounters>();

    public static MonitorReplica Start(ControlPlaneHarness harness)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = harness.Database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = TestServers.Redis,
            ["Lifecycle:Streams:KeyPrefix"] = harness.KeyPrefix,
            ["Lifecycle:HostMonitor:Enabled"] = "false",
        }).AddInMemoryCollection(TestCertificateAuthority.Shared.Settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddLifecycleInfrastructure(configuration);
        services.AddHostMonitor(configuration);
        return new MonitorReplica(services.BuildServiceProvider());
    }

    /// <summary>One pass over one host in service, as this replica would run it.</summary>
    public async Task SyncAsync(Guid hostId)
    {
        var host = (await _services.GetRequiredService<HostStore>().ServingAsync(hostId, TimeSpan.FromMinutes(1), CancellationToken.None)).Single();
        await _services.GetRequiredService<HostReconcile>().RunAsync(host.Target, CancellationToken.None);
    }

    /// <summary>One pass as this replica's HostMonitor runs it: over what <paramref name="scope"/> covers, among the hosts <paramref name="ownsHost"/> says are its own.</summary>
    public Task PassAsync(PassScope scope, Func<Guid, bool> ownsHost, CancellationToken ct) =>
        _services.GetRequiredService<ReconcilePass>().RunAsync(scope, ownsHost, ct);

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
