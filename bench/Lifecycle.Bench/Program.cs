using Lifecycle.Bench;
using Lifecycle.Core.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

// make bench-consumer: dotnet run -c Release --project bench/Lifecycle.Bench -- consumer [--quick]
var quick = args.Contains("--quick");
var settings = quick ? new BenchSettings(Sandboxes: 5_000, Repeats: 1, LatencySamples: 10) : new BenchSettings();
if (args.SkipWhile(a => a != "--batch").Skip(1).FirstOrDefault() is { } batch)
{
    settings = settings with { BatchSize = int.Parse(batch, System.Globalization.CultureInfo.InvariantCulture) };
}

// Postgres as in production (fsync and synchronous commit on): the baselines must pay for real
// commits, as the control plane does; the tests' fsync=off would flatter one-row-per-commit work.
Environment.SetEnvironmentVariable("LIFECYCLE_PG_DURABLE", "1");
await using var servers = await LocalServers.StartAsync();
await using var dataSource = NpgsqlDataSource.Create(servers.Postgres);
await new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(CancellationToken.None);
var versions = new Dictionary<string, string>
{
    ["postgres"] = (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync())!,
    ["redis"] = await RedisVersionAsync(servers.Redis),
};

var consumer = await new ConsumerBench(servers, dataSource, settings).RunAsync();
var file = ResultsFile.Write(quick ? "consumer-quick" : "consumer", Machine.Current(), settings, versions, consumer);
Console.WriteLine($"results: {file}");

static async Task<string> RedisVersionAsync(string configuration)
{
    await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
    return redis.GetServers()[0].Version.ToString();
}
