using Lifecycle.Consumers;
using Lifecycle.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Scaling;

/// <summary>
/// A consumer that holds no lease: the product's own <see cref="EventAppliers"/>, run in this process
/// under another consumer name for partitions a replica owns, as a replica cut off from Postgres would
/// go on consuming for a moment while another has taken its partitions. Its counters say what it did.
/// </summary>
public sealed class Intruder : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public Intruder(ReplicaDeployment deployment, string name)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Lifecycle:Postgres:ConnectionString"] = deployment.Database.ConnectionString,
            ["Lifecycle:Redis:Configuration"] = ScalingCluster.Configuration,
            ["Lifecycle:Streams:KeyPrefix"] = deployment.Prefix,
            ["Lifecycle:Streams:Partitions"] = $"{ReplicaDeployment.Partitions}",
            ["Lifecycle:Replica:Name"] = name,
        }).Build();
        _services = new ServiceCollection().AddLogging().AddMetrics()
            .AddLifecycleInfrastructure(configuration).AddEventAppliers(configuration).BuildServiceProvider();
    }

    public ApplyCounters Counters => _services.GetRequiredService<ApplyCounters>();

    /// <summary>Consumes every partition until <paramref name="until"/> fires, as an owner would: first claiming what is pending on others.</summary>
    public async Task ConsumeAllPartitionsAsync(CancellationToken until)
    {
        var appliers = _services.GetRequiredService<EventAppliers>();
        await appliers.StartAsync(until);
        await Task.WhenAll(Enumerable.Range(0, ReplicaDeployment.Partitions).Select(slot => appliers.RunAsync(slot, until)));
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
