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
    private readonly List<ControlPlaneProcess> _processes;

    private ReplicaSet(List<ControlPlaneProcess> processes, IReadOnlyList<string> names, IReadOnlyList<Uri> urls)
    {
        _processes = processes;
        Names = names;
        Urls = urls;
    }

    public IReadOnlyList<string> Names { get; }

    /// <summary>Each replica's HTTP address, in <see cref="Names"/>' order.</summary>
    public IReadOnlyList<Uri> Urls { get; }

    public IEnumerable<int> Pids => _processes.Where(p => !p.Process.HasExited).Select(p => p.Pid);

    public static async Task<ReplicaSet> StartAsync(
        LocalServers servers, NpgsqlDataSource dataSource, string prefix, int replicas, int partitions, params string[] settings)
    {
        var names = Enumerable.Range(1, replicas).Select(i => $"scale-{replicas}-{i}").ToList();
        var urls = names.Select(_ => new Uri($"http://127.0.0.1:{LocalServers.FreePort()}")).ToList();
        var processes = names.Select((name, i) => BenchControlPlane.Start(servers, dataSource.ConnectionString, prefix, name,
            [$"urls={urls[i]}", $"Lifecycle:Streams:Partitions={partitions}", "Lifecycle:HostMonitor:Enabled=false", .. settings])).ToList();
        var set = new ReplicaSet(processes, names, urls);
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

    public async ValueTask DisposeAsync()
    {
        await Task.WhenAll(_processes.Select(p => p.StopAsync()));
        foreach (var process in _processes)
        {
            process.Dispose();
        }
    }
}
