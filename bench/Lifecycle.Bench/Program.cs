using Lifecycle.Bench;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using StackExchange.Redis;

// make bench-consumer / bench-reconcile / bench-api: dotnet run -c Release --project bench/Lifecycle.Bench -- consumer|reconcile|api [--quick]
// make bench-scale: dotnet run -c Release --project bench/Lifecycle.Bench -- scale [--quick]
// make chaos: dotnet run -c Release --project bench/Lifecycle.Bench -- chaos [--duration 10m] [--seed N] [--rate 10] [--topology single|cluster]
var part = args.FirstOrDefault() ?? "";
if (part == "chaos")
{
    return await Lifecycle.Bench.Chaos.ChaosCommand.RunAsync(args);
}
if (part is not ("consumer" or "reconcile" or "api" or "scale"))
{
    Console.Error.WriteLine("usage: Lifecycle.Bench consumer|reconcile|api|scale [--quick] [--batch N] | chaos [--duration D] [--seed N] [--rate R] [--topology single|cluster] [--ci]");
    return 2;
}
var quick = args.Contains("--quick");
var settings = quick ? new BenchSettings(Sandboxes: 5_000, Repeats: 1, LatencySamples: 40) : new BenchSettings();
if (args.SkipWhile(a => a != "--batch").Skip(1).FirstOrDefault() is { } batch)
{
    settings = settings with { BatchSize = int.Parse(batch, System.Globalization.CultureInfo.InvariantCulture) };
}

// Postgres as in production (fsync and synchronous commit on): the baselines must pay for real
// commits, as the control plane does; the tests' fsync=off would flatter one-row-per-commit work.
await using var servers = await LocalServers.StartAsync(PostgresDurability.Full);
await using var dataSource = NpgsqlDataSource.Create(servers.Postgres);
await new Migrator(dataSource, NullLogger<Migrator>.Instance).ApplyAsync(CancellationToken.None);
var versions = new Dictionary<string, string>
{
    ["postgres"] = (string)(await dataSource.CreateCommand("SHOW server_version").ExecuteScalarAsync())!,
    ["redis"] = await RedisVersionAsync(servers.Redis),
};

IResultSection section = part switch
{
    "consumer" => await new ConsumerBench(servers, dataSource, settings).RunAsync(),
    "scale" => await new Lifecycle.Bench.Scale.ScaleBench(servers, dataSource, quick ? Lifecycle.Bench.Scale.ScaleSettings.Quick : new()).RunAsync(),
    "reconcile" => await new ReconcileBench(servers, dataSource, hosts: quick ? 50 : 500, perHost: 200, repeats: quick ? 1 : 5).RunAsync(),
    _ => await new ApiBench(servers, dataSource, quick ? new ApiBench.Settings(Repeats: 1, RunSeconds: 3, MemorySandboxes: 5_000, StormSeconds: 3) : new()).RunAsync(),
};
var file = ResultsFile.Write(quick ? $"{part}-quick" : part, Machine.Current(), versions, section);
Console.WriteLine($"results: {file}");
return 0;

static async Task<string> RedisVersionAsync(string configuration)
{
    await using var redis = await ConnectionMultiplexer.ConnectAsync(configuration);
    return redis.GetServers()[0].Version.ToString();
}
