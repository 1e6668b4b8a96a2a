namespace Lifecycle.Tests;

/// <summary>
/// One local Redis Cluster for the whole run, started by the first test that asks for it (a run that
/// selects no cluster test starts none) and stopped at the end. Tests isolate themselves on it by key
/// prefix, as on the single Redis; a test that kills or freezes nodes heals the cluster before it ends.
/// </summary>
[SetUpFixture]
public sealed class SharedRedisCluster
{
    private static readonly Lock Gate = new();
    private static Task<LocalRedisCluster>? _cluster;

    /// <summary>The run's cluster, started on first use.</summary>
    public static Task<LocalRedisCluster> GetAsync()
    {
        lock (Gate)
        {
            return _cluster ??= LocalRedisCluster.StartAsync();
        }
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        Task<LocalRedisCluster>? started;
        lock (Gate)
        {
            started = _cluster;
            _cluster = null;
        }
        if (started is { IsCompletedSuccessfully: true })
        {
            await (await started).DisposeAsync();
        }
    }
}
