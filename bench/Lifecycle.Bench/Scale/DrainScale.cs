using System.Diagnostics;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Partitioning;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Bench.Scale;

/// <summary>
/// The drain rate of 1, 2 and 3 replicas: transition events published beforehand over every partition,
/// then, with the partitions divided among the replicas, every group moved back to the start and the
/// time taken until no partition has an undelivered or pending entry. Each sandbox's events are in one
/// partition, read by one consumer in order, so every event must apply (the run fails otherwise).
/// </summary>
public sealed class DrainScale(LocalServers servers, NpgsqlDataSource dataSource, ScaleSettings settings, CpuMeter cpu)
{
    private const string Prefix = "scale:";

    private readonly StreamKeys _keys = new(Options.Create(new StreamOptions { KeyPrefix = Prefix, Partitions = settings.Partitions }));
    private readonly Guid _teamId = Guid.CreateVersion7();
    private readonly Guid _hostId = Guid.CreateVersion7();
    private List<StateEvent> _events = [];

    public sealed record Figure(int Replicas, Stats EventsPerSecond, IReadOnlyDictionary<string, double> CoresUsed);

    public async Task<List<Figure>> RunAsync()
    {
        Console.WriteLine($"scale: drain: seeding {settings.DrainSandboxes:N0} sandboxes, publishing {settings.DrainSandboxes * 4:N0} events over {settings.Partitions} partitions");
        await SeedAsync();
        using var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis);
        var db = redis.GetDatabase();
        await PublishAsync(db);
        var figures = new List<Figure>();
        foreach (var replicas in settings.ReplicaCounts)
        {
            figures.Add(await DrainWithAsync(replicas, db, redis));
        }
        return figures;
    }

    private async Task<Figure> DrainWithAsync(int replicas, IDatabase db, ConnectionMultiplexer redis)
    {
        await using var set = await ReplicaSet.StartAsync(servers, dataSource, Prefix, replicas, settings.Partitions, "Lifecycle:Consumer:BatchSize=512");
        cpu.Add("replicas", () => set.Pids);
        var last = new Dictionary<string, RedisValue>();
        foreach (var partition in _keys.Partitions)
        {
            last[partition.Events] = (await db.StreamInfoAsync(partition.Events)).LastEntry.Id;
        }
        var rates = new List<double>();
        var windows = new List<CpuMeter.Window>();
        // Run 0 warms the fresh processes up (JIT tiering) and is not counted.
        for (var run = 0; run <= settings.Repeats; run++)
        {
            await ResetAsync();
            var start = cpu.Read();
            var watch = Stopwatch.StartNew();
            await Task.WhenAll(_keys.Partitions.Select(p => db.StreamConsumerGroupSetPositionAsync(p.Events, StreamKeys.ApplierGroup, "0")));
            var subscriber = redis.GetSubscriber();
            await Task.WhenAll(_keys.Partitions.Select(p => subscriber.PublishAsync(RedisChannel.Literal(_keys.WakeChannel), p.Index)));
            await Eventually.TrueAsync(async () =>
            {
                var groups = await Task.WhenAll(_keys.Partitions.Select(p => db.StreamGroupInfoAsync(p.Events)));
                return groups.Select((g, i) => g.Single(x => x.Name == StreamKeys.ApplierGroup) is var group
                        && group.LastDeliveredId == last[_keys.Partition(i).Events] && group.PendingMessageCount == 0)
                    .All(drained => drained);
            }, TimeSpan.FromMinutes(5), $"{replicas} replica(s) drained the streams", TimeSpan.FromMilliseconds(10));
            var elapsed = watch.Elapsed.TotalSeconds;
            var window = CpuMeter.Between(start, cpu.Read());
            await CheckAllAppliedAsync(replicas);
            Console.WriteLine($"scale: drain, {replicas} replica(s), run {run}{(run == 0 ? " (warm-up)" : "")}: {_events.Count / elapsed:N0} events/s ({elapsed:F2} s)");
            if (run > 0)
            {
                rates.Add(_events.Count / elapsed);
                windows.Add(window with { Groups = window.Groups.ToDictionary(g => g.Key, g => g.Value / elapsed) });
            }
        }
        var stats = Stats.Of(rates);
        var cores = windows.SelectMany(w => w.Groups).GroupBy(g => g.Key).ToDictionary(g => g.Key, g => Stats.Of([.. g.Select(x => x.Value)]).Median);
        cores["machine busy"] = Stats.Of([.. windows.Select(w => w.Busy / (w.Total / Environment.ProcessorCount))]).Median;
        cores["machine steal"] = Stats.Of([.. windows.Select(w => w.Steal / (w.Total / Environment.ProcessorCount))]).Median;
        Console.WriteLine($"scale: drain with {replicas} replica(s): {stats}/s; cores used: {string.Join(", ", cores.Select(c => $"{c.Key} {c.Value:F2}"))}");
        return new Figure(replicas, stats, cores);
    }

    private async Task SeedAsync()
    {
        var sandboxes = Enumerable.Range(0, settings.DrainSandboxes).Select(_ => Guid.CreateVersion7()).ToArray();
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("INSERT INTO teams (id, name) VALUES (@TeamId, 'scale')", new { TeamId = _teamId });
        await conn.ExecuteAsync("INSERT INTO hosts (id, name, grpc_address, token_hash) VALUES (@HostId, 'scale-host', 'http://127.0.0.1:1', @Hash)",
            new { HostId = _hostId, Hash = Guid.NewGuid().ToByteArray() });
        await conn.ExecuteAsync("""
            INSERT INTO sandboxes (id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec)
            SELECT id, @TeamId, @HostId, 'starting', 1, 'base', 1, 512, 300 FROM unnest(@Ids) AS id
            """, new { TeamId = _teamId, HostId = _hostId, Ids = sandboxes });

        // As ConsumerBench: four events per sandbox, round by round (started, auto-paused, lost, found again).
        (string Type, SandboxStatus From, SandboxStatus To)[] chain =
        [
            (EventTypes.CreateSucceeded, SandboxStatus.Starting, SandboxStatus.Running),
            (EventTypes.AutoPaused, SandboxStatus.Running, SandboxStatus.Paused),
            (EventTypes.Lost, SandboxStatus.Paused, SandboxStatus.Missing),
            (EventTypes.Found, SandboxStatus.Missing, SandboxStatus.Running),
        ];
        var now = DateTimeOffset.UtcNow;
        _events = [.. chain.SelectMany((step, round) => sandboxes.Select(id => new StateEvent(
            Guid.CreateVersion7(), step.Type, id, _teamId, _hostId, step.From, step.To, 1 + round, Actors.HostMonitor, "scale", null, now)))];
    }

    /// <summary>Each event to its sandbox's partition, as the publisher does; every group starts at the end.</summary>
    private async Task PublishAsync(IDatabase db)
    {
        foreach (var chunk in _events.Chunk(5_000))
        {
            await Task.WhenAll(chunk.Select(e => db.StreamAddAsync(_keys.For(e.SandboxId).Events, StreamEvents.Encode(e))));
        }
        foreach (var partition in _keys.Partitions)
        {
            await db.StreamCreateConsumerGroupAsync(partition.Events, StreamKeys.ApplierGroup, "$", createStream: true);
        }
        var counts = _keys.Partitions.Select(p => _events.Count(e => StableHash.SlotOf(e.SandboxId, settings.Partitions) == p.Index)).ToList();
        Console.WriteLine($"scale: drain: events per partition {counts.Min():N0}–{counts.Max():N0}");
    }

    private async Task ResetAsync()
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("TRUNCATE sandbox_transitions");
        await conn.ExecuteAsync("UPDATE sandboxes SET status = 'starting', version = 1, started_at = NULL, last_error = NULL");
        await conn.ExecuteAsync("VACUUM ANALYZE sandboxes");
        // So no run has a checkpoint of the previous one's writes in the middle of it. (Not through Dapper:
        // it takes a one-word command for a stored procedure's name.)
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", conn);
        await checkpoint.ExecuteNonQueryAsync();
    }

    private async Task CheckAllAppliedAsync(int replicas)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        var applied = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions");
        if (applied != _events.Count)
        {
            throw new InvalidOperationException($"{replicas} replica(s) applied {applied:N0} of {_events.Count:N0} events; with one consumer per partition every one must apply");
        }
    }
}
