using StackExchange.Redis;

namespace Lifecycle.Tests.Scaling;

/// <summary>
/// One local Redis Cluster for every test of this folder: starting six nodes takes seconds, and each test
/// isolates itself anyway (its own key prefix and database). A test here that broke the cluster would
/// break the others, so none of them faults Redis: they fault the control plane's replicas.
/// </summary>
[SetUpFixture]
public sealed class ScalingCluster
{
    private static LocalRedisCluster? _cluster;
    private static ConnectionMultiplexer? _redis;

    /// <summary>StackExchange.Redis configuration string: every node.</summary>
    public static string Configuration => _cluster?.Configuration ?? throw new InvalidOperationException("the cluster is not started");

    /// <summary>The tests' own connection to the cluster, for reading streams and groups.</summary>
    public static IConnectionMultiplexer Redis => _redis ?? throw new InvalidOperationException("the cluster is not started");

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _cluster = await LocalRedisCluster.StartAsync();
        var options = ConfigurationOptions.Parse(_cluster.Configuration);
        options.AbortOnConnectFail = false;
        _redis = await ConnectionMultiplexer.ConnectAsync(options);
    }

    [OneTimeTearDown]
    public async Task StopAsync()
    {
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
