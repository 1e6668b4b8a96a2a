using System.Globalization;
using Lifecycle.HostAgentSim;
using Lifecycle.Infrastructure.Ownership;
using Npgsql;

namespace Lifecycle.Bench.Scale;

/// <summary>
/// N control-plane replicas in their own processes (the Release build), each under its own
/// <c>Lifecycle:Replica:Name</c>, on one database and key prefix, with the HostMonitor off. Started, it
/// waits until the event partitions are divided as <see cref="SlotAssignment"/> divides them among these
/// replicas, so a measurement starts in the steady state and not in the middle of a handover.
/// </summary>
public sealed class ReplicaSet : IAsyncDisposable
{
    private readonly Deployment _deployment;

    private ReplicaSet(Deployment deployment)
    {
        _deployment = deployment;
    }

    public IReadOnlyList<string> Names => [.. _deployment.Replicas.Select(replica => replica.Name)];

    /// <summary>Each replica's HTTP address, in <see cref="Names"/>' order.</summary>
    public IReadOnlyList<Uri> Urls => [.. _deployment.Replicas.Select(replica => replica.Url)];

    public IEnumerable<int> Pids => _deployment.Replicas.Cast<ProcessReplica>().Where(replica => replica.Alive).Select(replica => replica.Process.Pid);

    /// <param name="settings">Configuration as <c>Key=Value</c>, over the deployment builder's defaults.</param>
    public static async Task<ReplicaSet> StartAsync(
        LocalServers servers, NpgsqlDataSource dataSource, string prefix, int replicas, int partitions, params string[] settings)
    {
        var deployment = await DeploymentBuilder.On(dataSource.ConnectionString, servers.Redis, prefix)
            .With("Logging:LogLevel:Default", "Warning")
            .With("Lifecycle:Streams:Partitions", partitions.ToString(CultureInfo.InvariantCulture))
            .With("Lifecycle:HostMonitor:Enabled", "false")
            .With(settings.Select(setting => setting.Split('=', 2)).Select(pair => KeyValuePair.Create(pair[0], (string?)pair[1])))
            .Replicas(replicas, ReplicaKind.Process, i => $"scale-{replicas}-{i}")
            .Echo((name, line) => Console.Error.WriteLine($"[{name}] {line}"))
            .StartAsync();
        var set = new ReplicaSet(deployment);
        try
        {
            await set.WaitReadyAsync();
            await set.WaitPartitionsDividedAsync(dataSource, partitions);
            return set;
        }
        catch
        {
            await set.DisposeAsync();
            throw;
        }
    }

    /// <summary>A fleet of <paramref name="hosts"/> simulated hosts registered through the first replica, stopped with the set.</summary>
    public Task StartFleetAsync(int hosts, Func<SimulatorOptions, SimulatorOptions> simulator) =>
        _deployment.StartFleetAsync(_deployment.Replicas[0], hosts, simulator);

    private async Task WaitReadyAsync()
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        foreach (var url in Urls)
        {
            await Eventually.TrueAsync(async () =>
            {
                try
                {
                    return (await client.GetAsync(new Uri(url, "/readyz"))).IsSuccessStatusCode;
                }
                catch (HttpRequestException)
                {
                    return false;
                }
                catch (TaskCanceledException)
                {
                    return false;
                }
            }, TimeSpan.FromMinutes(2), $"the replica at {url} is ready");
        }
    }

    /// <summary>Every partition leased to a live replica of this set, each replica holding its rendezvous share.</summary>
    private async Task WaitPartitionsDividedAsync(NpgsqlDataSource dataSource, int partitions)
    {
        var expected = SlotAssignment.Of(LeaseKind.EventPartitions, partitions, Names);
        await Eventually.TrueAsync(async () =>
        {
            var leases = (await LeaseStore.ListAsync(dataSource, new OwnershipOptions().LeasePeriod, CancellationToken.None))
                .Where(l => l.Kind == LeaseKind.EventPartitions.Name).ToList();
            return leases.Count == partitions && leases.All(l => l.Live && l.Owner == expected[l.Slot]);
        }, TimeSpan.FromMinutes(2), $"{partitions} partitions are divided among {Names.Count} replica(s)");
    }

    /// <summary>A clean stop of every replica at once (SIGTERM), as an orchestrator would.</summary>
    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_deployment.Replicas.Select(replica => replica.StopAsync()));
        await _deployment.DisposeAsync();
    }
}
