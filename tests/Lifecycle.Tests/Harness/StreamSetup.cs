namespace Lifecycle.Tests;

/// <summary>
/// Where a fixture's event streams live: the single Redis with one partition (as before partitions), or
/// the run's local Redis Cluster with sixteen partitions spread over its three masters. Fixtures that
/// exercise the streams run under both (<c>[TestFixtureSource(typeof(StreamSetup), nameof(StreamSetup.Both))]</c>).
/// </summary>
public sealed record StreamSetup(string Name, int Partitions, bool OnCluster)
{
    public static readonly StreamSetup SingleRedis = new("single Redis, P=1", 1, OnCluster: false);

    public static readonly StreamSetup Cluster = new("cluster, P=16", 16, OnCluster: true);

    public static IEnumerable<TestFixtureData> Both()
    {
        yield return new TestFixtureData(SingleRedis).SetArgDisplayNames(SingleRedis.Name);
        var cluster = new TestFixtureData(Cluster).SetArgDisplayNames(Cluster.Name);
        cluster.Properties.Add(NUnit.Framework.Internal.PropertyNames.Category, "Cluster");
        yield return cluster;
    }

    /// <summary>StackExchange.Redis configuration string of the Redis to use.</summary>
    public async Task<string> RedisAsync() => OnCluster ? (await SharedRedisCluster.GetAsync()).Configuration : TestServers.Redis;

    /// <summary>The harness on this setup's Redis and partitions; <paramref name="settings"/> win.</summary>
    public async Task<ControlPlaneHarness> StartHarnessAsync(int hosts = 1, int latencyMs = 0, IDictionary<string, string?>? settings = null)
    {
        var all = new Dictionary<string, string?> { ["Lifecycle:Streams:Partitions"] = Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }
        return await ControlPlaneHarness.StartAsync(hosts: hosts, latencyMs: latencyMs, settings: all, redis: await RedisAsync());
    }

    public override string ToString() => Name;
}
