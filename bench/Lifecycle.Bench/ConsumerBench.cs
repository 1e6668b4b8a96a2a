using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Outbox;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;
using StackExchange.Redis;

namespace Lifecycle.Bench;

/// <summary>
/// The consumer group's drain rate: pre-published transition events applied by one consumer process,
/// against two baselines on the same Postgres in the same run, plus idle-to-applied latency. Several
/// replicas over several partitions: <c>make bench-scale</c>.
/// </summary>
public sealed class ConsumerBench(LocalServers servers, NpgsqlDataSource dataSource, BenchSettings settings)
{
    private const string Prefix = "bench:";
    private const string Stream = Prefix + "lifecycle:{p0}:events";

    private readonly Guid _teamId = Guid.CreateVersion7();
    private readonly Guid _hostId = Guid.CreateVersion7();
    private Guid[] _sandboxes = [];
    private List<StateEvent> _events = [];

    public async Task<Section> RunAsync()
    {
        Console.WriteLine($"consumer: seeding {settings.Sandboxes:N0} sandboxes, publishing {settings.Sandboxes * 4:N0} events");
        await SeedAsync();
        using var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis);
        var db = redis.GetDatabase();
        await PublishAsync(db);

        var singleRow = await RepeatAsync("baseline: single-row conditional UPDATE per transaction, 16 clients", SingleRowUpdatesPerSecondAsync);
        var setBased = await RepeatAsync($"baseline: set-based batched UPDATE alone ({settings.BatchSize} per statement)", SetBasedPerSecondAsync);
        // One process: the events are on one partition, which one replica owns; several replicas over
        // several partitions are the scale part's (make bench-scale).
        var (oneConsumer, latencies) = await DrainAsync(db, redis, processes: 1, measureLatency: true);

        var section = new Section("Consumer group drain", settings.Sandboxes * 4, settings.Sandboxes, settings.BatchSize, settings.Repeats,
            singleRow, setBased, oneConsumer, Stats.Of(latencies.Direct), Stats.Percentile(latencies.Direct, 99),
            Stats.Of(latencies.Outbox), Stats.Percentile(latencies.Outbox, 99), Stats.Of(latencies.Created), Stats.Percentile(latencies.Created, 99),
            Stats.Of(latencies.Record), Stats.Percentile(latencies.Record, 99),
            Stats.Of(latencies.ToAppend), Stats.Percentile(latencies.ToAppend, 99),
            Stats.Of(latencies.OutboxAfterAppend), Stats.Percentile(latencies.OutboxAfterAppend, 99),
            Stats.Of(latencies.DirectAfterAppend), Stats.Percentile(latencies.DirectAfterAppend, 99));
        Console.WriteLine(section.Verdict());
        return section;
    }

    public sealed record Section(
        string Title, int Events, int Sandboxes, int BatchSize, int Repeats, Stats SingleRowPerSecond, Stats SetBasedPerSecond,
        Stats OneConsumerPerSecond, Stats IdleLatencyMs, double IdleLatencyP99Ms, Stats OutboxLatencyMs, double OutboxLatencyP99Ms,
        Stats CreatedLatencyMs, double CreatedLatencyP99Ms, Stats RecordMs, double RecordP99Ms,
        Stats ToAppendMs, double ToAppendP99Ms, Stats OutboxAfterAppendMs, double OutboxAfterAppendP99Ms,
        Stats DirectAfterAppendMs, double DirectAfterAppendP99Ms) : IResultSection
    {
        public double OneConsumerRatio => OneConsumerPerSecond.Median / SingleRowPerSecond.Median;

        public string Settings =>
            $"{Events:N0} events over {Sandboxes:N0} sandboxes (4 each, round by round), batch {BatchSize}, {Repeats} runs each after one warm-up run, " +
            "Redis (AOF, fsync every second) and Postgres (production durability: fsync and synchronous_commit on) on the same machine";

        public string Reproduce => "make bench-consumer";

        public void WriteBody(StringBuilder md)
        {
            md.AppendLine("| measure | median | min | max |");
            md.AppendLine("|---|---:|---:|---:|");
            ResultsFile.Row(md, "baseline: single-row conditional UPDATE per transaction, 16 clients (rows/s)", SingleRowPerSecond);
            ResultsFile.Row(md, $"baseline: set-based UPDATE + history INSERT alone, {BatchSize} per statement (events/s)", SetBasedPerSecond);
            ResultsFile.Row(md, "drain to zero pending, 1 consumer process (events/s)", OneConsumerPerSecond);
            LatencyRow(md, "idle-to-applied latency of one event, appended straight to the stream (ms)", IdleLatencyMs, IdleLatencyP99Ms);
            LatencyRow(md, "idle-to-applied latency of one event through the outbox, from its record's commit: sent at once, applied (ms)", OutboxLatencyMs, OutboxLatencyP99Ms);
            LatencyRow(md, "the same from the event's making: recorded (one INSERT, committed with fsync), sent at once, applied (ms)", CreatedLatencyMs, CreatedLatencyP99Ms);
            LatencyRow(md, "of which recording it, as the product records an outcome (ms)", RecordMs, RecordP99Ms);
            LatencyRow(md, "through the outbox, from the record's commit to the append: the at-once sender (ms, the append dated by its entry id, to the millisecond)", ToAppendMs, ToAppendP99Ms);
            LatencyRow(md, "through the outbox, from the append to applied: the consumer (ms, likewise)", OutboxAfterAppendMs, OutboxAfterAppendP99Ms);
            LatencyRow(md, "straight to the stream, from the append to applied: the consumer (ms, likewise)", DirectAfterAppendMs, DirectAfterAppendP99Ms);
            md.AppendLine();
            md.AppendLine("Ratios of medians, measured in the same run:");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"- 1 consumer / single-row baseline: **{OneConsumerRatio:F1}x**");
            md.AppendLine(CultureInfo.InvariantCulture, $"- set-based statement alone / single-row baseline: {SetBasedPerSecond.Median / SingleRowPerSecond.Median:F1}x (the ceiling for any consumer using it)");
            md.AppendLine(CultureInfo.InvariantCulture, $"- 1 consumer / set-based baseline: {OneConsumerPerSecond.Median / SetBasedPerSecond.Median:P0}");
        }

        private static void LatencyRow(StringBuilder md, string measure, Stats ms, double p99) =>
            md.AppendLine(CultureInfo.InvariantCulture, $"| {measure} | {ms.Median:F1} | {ms.Min:F1} | {ms.Max:F1} (p99 {p99:F1}) |");

        public string Verdict() =>
            $"consumer: drain {OneConsumerPerSecond.Median:N0}/s with 1 process ({OneConsumerRatio:F1}x the single-row baseline); target 10x: " +
            (OneConsumerRatio >= 10 ? "met" : "NOT met") +
            $"; event to applied at idle through the outbox p99 {OutboxLatencyP99Ms:F1} ms from its record's commit, {CreatedLatencyP99Ms:F1} ms with the recording " +
            $"(straight to the stream {IdleLatencyP99Ms:F1} ms); target 5 ms: " + (OutboxLatencyP99Ms <= 5 ? "met" : "NOT met");
    }

    private async Task SeedAsync()
    {
        const string team = "INSERT INTO teams (id, name) VALUES (@TeamId, 'bench')";
        const string host = "INSERT INTO hosts (id, name, grpc_address, token_hash) VALUES (@HostId, 'bench-host', 'http://127.0.0.1:1', @Hash)";
        const string sandboxes = """
            INSERT INTO sandboxes (id, team_id, host_id, status, version, template, vcpus, memory_mb, timeout_sec)
            SELECT id, @TeamId, @HostId, 'starting', 1, 'base', 1, 512, 300 FROM unnest(@Ids) AS id
            """;
        _sandboxes = [.. Enumerable.Range(0, settings.Sandboxes).Select(_ => Guid.CreateVersion7())];
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(team, new { TeamId = _teamId });
        await conn.ExecuteAsync(host, new { HostId = _hostId, Hash = Guid.NewGuid().ToByteArray() });
        await conn.ExecuteAsync(sandboxes, new { TeamId = _teamId, HostId = _hostId, Ids = _sandboxes });

        // Four events per sandbox, published round by round, as a burst over a fleet arrives:
        // started, auto-paused, lost with its host, found again.
        (string Type, SandboxStatus From, SandboxStatus To)[] chain =
        [
            (EventTypes.CreateSucceeded, SandboxStatus.Starting, SandboxStatus.Running),
            (EventTypes.AutoPaused, SandboxStatus.Running, SandboxStatus.Paused),
            (EventTypes.Lost, SandboxStatus.Paused, SandboxStatus.Missing),
            (EventTypes.Found, SandboxStatus.Missing, SandboxStatus.Running),
        ];
        var now = DateTimeOffset.UtcNow;
        _events = [.. chain.SelectMany((step, round) => _sandboxes.Select(id => new StateEvent(
            Guid.CreateVersion7(), step.Type, id, _teamId, _hostId, step.From, step.To, 1 + round, Actors.HostMonitor, "bench", null, now)))];
    }

    private async Task PublishAsync(IDatabase db)
    {
        foreach (var chunk in _events.Chunk(5_000))
        {
            await Task.WhenAll(chunk.Select(e => db.StreamAddAsync(Stream, StreamEvents.Encode(e))));
        }
        // The group starts at the end; each run moves it back to 0 once the consumers are idle.
        await db.StreamCreateConsumerGroupAsync(Stream, StreamKeys.ApplierGroup, "$");
    }

    private async Task ResetAsync()
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("TRUNCATE sandbox_transitions");
        await conn.ExecuteAsync("UPDATE sandboxes SET status = 'starting', version = 1, started_at = NULL, last_error = NULL");
        await conn.ExecuteAsync("VACUUM ANALYZE sandboxes");
    }

    private async Task<Stats> RepeatAsync(string title, Func<Task<double>> measure)
    {
        var values = new List<double>();
        // Run 0 warms up (JIT, connection pools, Postgres caches) and is not counted.
        for (var run = 0; run <= settings.Repeats; run++)
        {
            await ResetAsync();
            var value = await measure();
            if (run > 0)
            {
                values.Add(value);
            }
        }
        var stats = Stats.Of(values);
        Console.WriteLine($"consumer: {title}: {stats}/s");
        return stats;
    }

    private async Task<double> SingleRowUpdatesPerSecondAsync()
    {
        const string sql = """
            UPDATE sandboxes SET status = 'running', version = version + 1, updated_at = now()
             WHERE id = @Id AND status = 'starting' AND version = 1
            """;
        var next = -1;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            int index;
            while ((index = Interlocked.Increment(ref next)) < _sandboxes.Length)
            {
                await conn.ExecuteAsync(sql, new { Id = _sandboxes[index] });
            }
        }));
        return _sandboxes.Length / watch.Elapsed.TotalSeconds;
    }

    private async Task<double> SetBasedPerSecondAsync()
    {
        var store = new SandboxStore(dataSource);
        var watch = Stopwatch.StartNew();
        foreach (var batch in _events.Chunk(settings.BatchSize))
        {
            await using var conn = await dataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            await store.TryTransitionAllAsync(batch, conn, tx, CancellationToken.None);
            await tx.CommitAsync();
        }
        return _events.Count / watch.Elapsed.TotalSeconds;
    }

    private async Task<(Stats Rate, Latencies LatenciesMs)> DrainAsync(IDatabase db, ConnectionMultiplexer redis, int processes, bool measureLatency)
    {
        var consumers = await DeploymentBuilder.On(dataSource.ConnectionString, servers.Redis, Prefix)
            .With("Logging:LogLevel:Default", "Warning")
            .With("Lifecycle:Consumer:BatchSize", $"{settings.BatchSize}")
            // Consumers only: a HostMonitor would find the seeded host silent and publish events of its own mid-drain.
            .With("Lifecycle:HostMonitor:Enabled", "false")
            .Replicas(processes, ReplicaKind.Process, i => $"bench-{processes}-{i}")
            .Echo((name, line) => Console.Error.WriteLine($"[{name}] {line}"))
            .StartAsync();
        try
        {
            await Eventually.TrueAsync(async () => (await db.StreamConsumerInfoAsync(Stream, StreamKeys.ApplierGroup)).Count(c => c.Name.ToString().StartsWith($"bench-{processes}-", StringComparison.Ordinal)) == processes,
                TimeSpan.FromMinutes(5), $"{processes} consumer process(es) joined the group");
            var lastId = (await db.StreamInfoAsync(Stream)).LastEntry.Id;
            var rates = new List<double>();
            // Run 0 warms the fresh processes up (a long-running consumer is past its JIT tiering) and is not counted.
            for (var run = 0; run <= settings.Repeats; run++)
            {
                await ResetAsync();
                var watch = Stopwatch.StartNew();
                await db.StreamConsumerGroupSetPositionAsync(Stream, StreamKeys.ApplierGroup, "0");
                await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(Prefix + "lifecycle:events:wake"), "0");
                await Eventually.TrueAsync(async () =>
                {
                    var group = (await db.StreamGroupInfoAsync(Stream)).Single(g => g.Name == StreamKeys.ApplierGroup);
                    return group.LastDeliveredId == lastId && group.PendingMessageCount == 0;
                }, TimeSpan.FromMinutes(5), "the consumers drained the stream", TimeSpan.FromMilliseconds(10));
                if (run > 0)
                {
                    rates.Add(_events.Count / watch.Elapsed.TotalSeconds);
                }
                await ReportAppliedAsync(processes);
            }
            var stats = Stats.Of(rates);
            Console.WriteLine($"consumer: drain with {processes} consumer process(es): {stats}/s");
            return (stats, measureLatency ? await IdleLatenciesAsync(db, redis) : Latencies.None);
        }
        finally
        {
            foreach (var consumer in consumers.Replicas)
            {
                await consumer.StopAsync();
            }
            await consumers.DisposeAsync();
        }
    }

    /// <summary>
    /// One event at a time to an idle consumer, alternately appended straight to the stream (as before the outbox) and
    /// through the outbox as the product sends an outcome: recorded in Postgres (one INSERT committed with fsync, which
    /// also names the sandbox's earlier events still unsent, as <see cref="EventOutbox.RecordAsync(StateEvent, CancellationToken)"/>
    /// does), then handed to the at-once sender, which appends it and marks it. Each is timed to the applying
    /// transaction's start (both on this machine's clock): the outbox path from its record's commit, and from the event's
    /// making, the recording included.
    /// </summary>
    private async Task<Latencies> IdleLatenciesAsync(IDatabase db, ConnectionMultiplexer redis)
    {
        var keys = new StreamKeys(Options.Create(new StreamOptions { KeyPrefix = Prefix }));
        var store = new OutboxStore(dataSource);
        using var counters = new OutboxCounters();
        using var sender = new AtOnceSender(store, new EventPublisher(redis, keys), counters, Options.Create(new OutboxOptions()), NullLogger<AtOnceSender>.Instance);
        await sender.StartAsync(CancellationToken.None);
        var outbox = new EventOutbox(store, keys, sender);
        var direct = new List<StateEvent>();
        var recorded = new List<(StateEvent Event, DateTimeOffset Committed)>();
        var recordMs = new List<double>();
        for (var i = 0; i < settings.LatencySamples; i++)
        {
            await Task.Delay(IdleGap);
            var e = new StateEvent(Guid.CreateVersion7(), EventTypes.AutoPaused, _sandboxes[i], _teamId, _hostId,
                SandboxStatus.Running, SandboxStatus.Paused, 5, Actors.HostMonitor, "latency", null, DateTimeOffset.UtcNow);
            await db.StreamAddAsync(Stream, StreamEvents.Encode(e));
            await db.PublishAsync(RedisChannel.Literal(Prefix + "lifecycle:events:wake"), "0");
            direct.Add(e);
            await Task.Delay(IdleGap);
            var viaOutbox = new StateEvent(Guid.CreateVersion7(), EventTypes.AutoPaused, _sandboxes[settings.LatencySamples + i], _teamId, _hostId,
                SandboxStatus.Running, SandboxStatus.Paused, 5, Actors.HostMonitor, "latency", null, DateTimeOffset.UtcNow);
            var record = outbox.RecordOf(viaOutbox);
            var recording = Stopwatch.StartNew();
            var unsentBefore = await store.RecordAsync([record], CancellationToken.None);
            var committed = DateTimeOffset.UtcNow;
            recordMs.Add(recording.Elapsed.TotalMilliseconds);
            sender.Send([OutboxEntry.Of(record, unsentBefore.GetValueOrDefault(viaOutbox.EventId))]);
            recorded.Add((viaOutbox, committed));
        }
        await Task.Delay(500);
        await sender.StopAsync(CancellationToken.None);
        var directApplied = await AppliedAtAsync(direct);
        var outboxApplied = await AppliedAtAsync([.. recorded.Select(r => r.Event)]);
        var (toAppend, outboxAfterAppend, directAfterAppend) = await AppendSplitAsync(db, direct, directApplied, recorded, outboxApplied);
        var latencies = new Latencies(
            [.. direct.Select(e => Ms(directApplied[e.EventId] - e.At))],
            [.. recorded.Select(r => Ms(outboxApplied[r.Event.EventId] - r.Committed))],
            [.. recorded.Select(r => Ms(outboxApplied[r.Event.EventId] - r.Event.At))],
            recordMs, toAppend, outboxAfterAppend, directAfterAppend);
        Console.WriteLine($"consumer: idle-to-applied latency straight to the stream: median {Stats.Of(latencies.Direct).Median:F1} ms, p99 {Stats.Percentile(latencies.Direct, 99):F1} ms; " +
            $"through the outbox from the commit: median {Stats.Of(latencies.Outbox).Median:F1} ms, p99 {Stats.Percentile(latencies.Outbox, 99):F1} ms; " +
            $"with the recording: median {Stats.Of(latencies.Created).Median:F1} ms, p99 {Stats.Percentile(latencies.Created, 99):F1} ms; " +
            $"slowest straight: {string.Join(", ", latencies.Direct.OrderDescending().Take(12).Select(ms => $"{ms:F1}"))}; " +
            $"slowest through the outbox: {string.Join(", ", latencies.Outbox.OrderDescending().Take(12).Select(ms => $"{ms:F1}"))}");
        return latencies;
    }

    /// <summary>
    /// Where the time goes, from the stream entries' ids (Redis's clock at the append, to the millisecond): from the
    /// record's commit to the append (the at-once sender), and from the append to the applying transaction (the consumer).
    /// </summary>
    private async Task<(List<double> ToAppend, List<double> OutboxAfterAppend, List<double> DirectAfterAppend)> AppendSplitAsync(
        IDatabase db, List<StateEvent> direct, Dictionary<Guid, DateTimeOffset> directApplied,
        List<(StateEvent Event, DateTimeOffset Committed)> recorded, Dictionary<Guid, DateTimeOffset> outboxApplied)
    {
        var since = direct[0].At.ToUnixTimeMilliseconds() - 1;
        var appendedAt = (await db.StreamRangeAsync(Stream, $"{since}-0"))
            .ToDictionary(e => Guid.Parse(e[StreamFields.EventId].ToString()),
                e => DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(e.Id.ToString().Split('-')[0], CultureInfo.InvariantCulture)));
        return (
            [.. recorded.Select(r => Ms(appendedAt[r.Event.EventId] - r.Committed))],
            [.. recorded.Select(r => Ms(outboxApplied[r.Event.EventId] - appendedAt[r.Event.EventId]))],
            [.. direct.Select(e => Ms(directApplied[e.EventId] - appendedAt[e.EventId]))]);
    }

    /// <summary>Between one latency event and the next: each finds the consumer idle; 1,000 samples a path take ~40 s.</summary>
    private static readonly TimeSpan IdleGap = TimeSpan.FromMilliseconds(20);

    private static double Ms(TimeSpan span) => span.TotalMilliseconds;

    /// <summary>
    /// Idle-to-applied latencies (ms): straight to the stream; through the outbox from the commit, and from the event's
    /// making; the recording alone; and split at the append: commit to append, append to applied (both paths).
    /// </summary>
    private sealed record Latencies(List<double> Direct, List<double> Outbox, List<double> Created, List<double> Record,
        List<double> ToAppend, List<double> OutboxAfterAppend, List<double> DirectAfterAppend)
    {
        public static readonly Latencies None = new([], [], [], [], [], [], []);
    }

    /// <summary>When each event's applying transaction started: the consumer had read the entry by then.</summary>
    private async Task<Dictionary<Guid, DateTimeOffset>> AppliedAtAsync(List<StateEvent> events)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        var applied = (await conn.QueryAsync<(Guid EventId, DateTime AppliedAt)>(
            "SELECT event_id, applied_at FROM sandbox_transitions WHERE event_id = ANY(@Ids)",
            new { Ids = events.Select(e => e.EventId).ToArray() })).ToDictionary(r => r.EventId, r => new DateTimeOffset(r.AppliedAt, TimeSpan.Zero));
        if (applied.Count != events.Count)
        {
            throw new InvalidOperationException($"only {applied.Count} of {events.Count} latency events applied");
        }
        return applied;
    }

    /// <summary>
    /// With one consumer every event applies. With several, one sandbox's events can be applied out
    /// of order across batches, and the version fence drops the early ones as stale: legal, counted,
    /// and left to the HostMonitor. Anything else missing is a bug.
    /// </summary>
    private async Task ReportAppliedAsync(int processes)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        var applied = await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions");
        if (processes == 1 && applied != _events.Count)
        {
            throw new InvalidOperationException($"one consumer applied {applied} of {_events.Count} events");
        }
        if (applied != _events.Count)
        {
            Console.WriteLine($"consumer: {processes} consumers applied {applied:N0}; {_events.Count - applied:N0} dropped as stale (reordered across consumers)");
        }
    }
}
