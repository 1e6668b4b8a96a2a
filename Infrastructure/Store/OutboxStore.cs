using Dapper;
using Npgsql;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// Owns <c>event_outbox</c> (sql/015_event_outbox.sql): every state event is recorded here before anything depends on
/// its stream copy, marked when it is on the stream, and removed once the <c>appliers</c> group has seen it there.
/// A request's event is recorded by the statement that moves its sandbox (<see cref="RecordWith"/>).
/// </summary>
public sealed class OutboxStore(NpgsqlDataSource dataSource)
{
    static OutboxStore() => DapperMapping.Apply();

    /// <summary>
    /// The part of a statement that records the event of the sandbox row it wrote (<c>s</c>, with <c>s.id</c>) in the
    /// same statement, so the two commit together; it takes <see cref="RecordParameters"/>.
    /// </summary>
    public const string RecordWith = """
        , outboxed AS (
            INSERT INTO event_outbox (event_id, sandbox_id, partition, fields)
            SELECT @OutboxEventId, s.id, @OutboxPartition, @OutboxFields::jsonb FROM s
        )
        """;

    /// <summary>The parameters of <see cref="RecordWith"/>, to merge into the statement's own.</summary>
    public static void RecordParameters(DynamicParameters parameters, OutboxRecord record)
    {
        parameters.Add("OutboxEventId", record.Event.EventId);
        parameters.Add("OutboxPartition", record.Partition);
        parameters.Add("OutboxFields", record.FieldsJson);
    }

    /// <summary>
    /// Records events on their own (an outcome, a host's report, a correction); one already recorded is left as it is.
    /// Returns, for each event it recorded, its sandbox's events then in the outbox and not on the stream (the ones
    /// before it in <paramref name="records"/> included), so the at-once sender need not ask. The statement sees every
    /// event committed before it began, and so every event the recorded ones follow from: each was made from a state
    /// that had committed with, or after, the records of the events before it.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, Guid[]>> RecordAsync(IReadOnlyList<OutboxRecord> records, CancellationToken ct)
    {
        const string sql = """
            WITH recorded AS (
                INSERT INTO event_outbox (event_id, sandbox_id, partition, fields)
                SELECT r.event_id, r.sandbox_id, r.partition, r.fields::jsonb
                  FROM unnest(@EventIds, @SandboxIds, @Partitions, @Fields) WITH ORDINALITY AS r(event_id, sandbox_id, partition, fields, n)
                 ORDER BY r.n
                ON CONFLICT (event_id) DO NOTHING
                RETURNING event_id, sandbox_id
            )
            SELECT recorded.event_id,
                   COALESCE(array_agg(unsent.event_id) FILTER (WHERE unsent.event_id IS NOT NULL), '{}') AS unsent
              FROM recorded
              LEFT JOIN event_outbox unsent ON unsent.sandbox_id = recorded.sandbox_id AND unsent.stream_id IS NULL
             GROUP BY recorded.event_id
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<(Guid EventId, Guid[] Unsent)>(new CommandDefinition(sql, new
        {
            EventIds = records.Select(r => r.Event.EventId).ToArray(),
            SandboxIds = records.Select(r => r.Event.SandboxId).ToArray(),
            Partitions = records.Select(r => r.Partition).ToArray(),
            Fields = records.Select(r => r.FieldsJson).ToArray(),
        }, cancellationToken: ct));
        var before = rows.ToDictionary(r => r.EventId, r => r.Unsent);
        // The statement sees the outbox as it was before it: add the events recorded ahead of each in this batch.
        var earlierInBatch = new Dictionary<Guid, List<Guid>>();
        foreach (var record in records)
        {
            var sandbox = earlierInBatch.TryGetValue(record.Event.SandboxId, out var list) ? list : earlierInBatch[record.Event.SandboxId] = [];
            if (before.TryGetValue(record.Event.EventId, out var unsent) && sandbox.Count > 0)
            {
                before[record.Event.EventId] = [.. unsent, .. sandbox];
            }
            sandbox.Add(record.Event.EventId);
        }
        return before;
    }

    /// <summary>
    /// For each of <paramref name="eventIds"/> still waiting to go on the stream, the events of its sandbox recorded
    /// before it that are not on the stream yet (empty when none). An id missing from the answer is on the stream or
    /// already applied.
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, Guid[]>> UnsentBeforeAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct)
    {
        const string sql = """
            SELECT mine.event_id AS event_id,
                   COALESCE(array_agg(older.event_id) FILTER (WHERE older.event_id IS NOT NULL), '{}') AS older
              FROM event_outbox mine
              LEFT JOIN event_outbox older
                ON older.sandbox_id = mine.sandbox_id AND older.seq < mine.seq AND older.stream_id IS NULL
             WHERE mine.event_id = ANY(@EventIds) AND mine.stream_id IS NULL
             GROUP BY mine.event_id
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = await conn.QueryAsync<(Guid EventId, Guid[] Older)>(
            new CommandDefinition(sql, new { EventIds = eventIds.ToArray() }, cancellationToken: ct));
        return rows.ToDictionary(r => r.EventId, r => r.Older);
    }

    /// <summary>
    /// The rows of <c>@EventIds</c> no other transaction holds, locked: the hints below (marks, rechecks) skip a row
    /// the appliers are deleting, and so never wait for them. Waiting could deadlock: an applier's delete and a
    /// many-row update lock their rows in orders of their own.
    /// </summary>
    private const string Unlocked = "unlocked AS (SELECT event_id FROM event_outbox WHERE event_id = ANY(@EventIds) FOR UPDATE SKIP LOCKED)";

    /// <summary>
    /// Marks events as on the stream under the entry ids they got (one being removed is left alone). The mark is a hint, so its commit does not wait for
    /// the disk (<c>synchronous_commit = off</c>, for this transaction alone): a mark lost in a Postgres crash costs
    /// one more append of the event by the relay, which the appliers drop as a copy. Waiting would cost a flush per
    /// round, and the appliers' delete of the same rows would wait for it behind the row lock.
    /// </summary>
    public async Task MarkSentAsync(IReadOnlyList<(Guid EventId, string StreamId)> sent, CancellationToken ct)
    {
        const string sql = $"""
            WITH {Unlocked}
            UPDATE event_outbox o
               SET stream_id = u.stream_id, sent_at = now()
              FROM unnest(@EventIds, @StreamIds) AS u(event_id, stream_id), unlocked
             WHERE o.event_id = u.event_id AND unlocked.event_id = u.event_id
            """;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var batch = new NpgsqlBatch(conn)
        {
            // One round trip, one implicit transaction: the setting holds for the update's commit and no further.
            BatchCommands =
            {
                new NpgsqlBatchCommand("SELECT set_config('synchronous_commit', 'off', true)"),
                new NpgsqlBatchCommand(sql)
                {
                    Parameters =
                    {
                        new NpgsqlParameter<Guid[]>("EventIds", [.. sent.Select(s => s.EventId)]),
                        new NpgsqlParameter<string[]>("StreamIds", [.. sent.Select(s => s.StreamId)]),
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>
    /// A partition's relay's work, in one round trip, oldest first: events not on the stream yet that were recorded at
    /// least <paramref name="unsentAge"/> ago (younger ones are the at-once sender's), and events put on the stream at
    /// least <paramref name="recheckAge"/> ago and not yet seen there by the <c>appliers</c> (to look for on the stream).
    /// </summary>
    public async Task<(IReadOnlyList<OutboxEntry> Unsent, IReadOnlyList<OutboxEntry> ToRecheck)> DueAsync(
        int partition, TimeSpan unsentAge, TimeSpan recheckAge, int limit, CancellationToken ct)
    {
        const string sql = """
            (SELECT seq, event_id, sandbox_id, partition, fields::text AS fields, stream_id
               FROM event_outbox
              WHERE partition = @Partition AND stream_id IS NULL AND recorded_at <= now() - @UnsentAge
              ORDER BY seq
              LIMIT @Limit)
            UNION ALL
            (SELECT seq, event_id, sandbox_id, partition, fields::text AS fields, stream_id
               FROM event_outbox
              WHERE partition = @Partition AND stream_id IS NOT NULL AND sent_at <= now() - @RecheckAge
              ORDER BY sent_at
              LIMIT @Limit)
            """;
        await using var conn = dataSource.CreateConnection();
        var rows = (await conn.QueryAsync<OutboxEntry>(new CommandDefinition(sql,
            new { Partition = partition, UnsentAge = unsentAge, RecheckAge = recheckAge, Limit = limit }, cancellationToken: ct))).AsList();
        return ([.. rows.Where(r => r.StreamId is null).OrderBy(r => r.Seq)], [.. rows.Where(r => r.StreamId is not null)]);
    }

    /// <summary>Events found still on the stream: looked at again only after another while (one being removed is left alone).</summary>
    public async Task SeenOnStreamAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct)
    {
        const string sql = $"WITH {Unlocked} UPDATE event_outbox o SET sent_at = now() FROM unlocked WHERE o.event_id = unlocked.event_id";
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, new { EventIds = eventIds.ToArray() }, cancellationToken: ct));
    }

    /// <summary>
    /// Events found missing from the stream (Redis lost them): the relay sends them again, in order. One locked now
    /// (being removed, or marked) is left alone: removed, it needs nothing; else the next recheck finds it again.
    /// </summary>
    public async Task LostFromStreamAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct)
    {
        const string sql = $"WITH {Unlocked} UPDATE event_outbox o SET stream_id = NULL, sent_at = NULL FROM unlocked WHERE o.event_id = unlocked.event_id";
        await using var conn = dataSource.CreateConnection();
        await conn.ExecuteAsync(new CommandDefinition(sql, new { EventIds = eventIds.ToArray() }, cancellationToken: ct));
    }

    /// <summary>
    /// Removes the events the <c>appliers</c> have seen on the stream, in one statement; within
    /// <paramref name="transaction"/> when given (the apply's own), so they go exactly when it commits.
    /// </summary>
    public async Task RemoveAsync(IReadOnlyCollection<Guid> eventIds, CancellationToken ct, NpgsqlConnection? connection = null, NpgsqlTransaction? transaction = null)
    {
        if (eventIds.Count == 0)
        {
            return;
        }
        const string sql = "DELETE FROM event_outbox WHERE event_id = ANY(@EventIds)";
        await using var own = connection is null ? dataSource.CreateConnection() : null;
        await (connection ?? own!).ExecuteAsync(new CommandDefinition(sql, new { EventIds = eventIds.ToArray() }, transaction, cancellationToken: ct));
    }

    /// <summary>
    /// Per partition: events recorded and not yet on the stream, and how long the oldest of them has waited (seconds);
    /// and events on the stream the <c>appliers</c> have not seen yet.
    /// </summary>
    public async Task<IReadOnlyList<OutboxPartitionState>> StateByPartitionAsync(CancellationToken ct)
    {
        const string sql = """
            SELECT partition,
                   count(*) FILTER (WHERE stream_id IS NULL) AS unsent,
                   COALESCE(EXTRACT(EPOCH FROM now() - min(recorded_at) FILTER (WHERE stream_id IS NULL)), 0)::float8 AS oldest_unsent_age_seconds,
                   count(*) FILTER (WHERE stream_id IS NOT NULL) AS on_stream
              FROM event_outbox
             GROUP BY partition
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<OutboxPartitionState>(new CommandDefinition(sql, cancellationToken: ct))).AsList();
    }

    /// <summary>The events recorded for these sandboxes that the <c>appliers</c> have not seen yet, oldest first.</summary>
    public async Task<IReadOnlyList<OutboxEntry>> ForSandboxesAsync(IReadOnlyCollection<Guid> sandboxIds, CancellationToken ct)
    {
        const string sql = """
            SELECT seq, event_id, sandbox_id, partition, fields::text AS fields, stream_id
              FROM event_outbox
             WHERE sandbox_id = ANY(@SandboxIds)
             ORDER BY seq
            """;
        await using var conn = dataSource.CreateConnection();
        return (await conn.QueryAsync<OutboxEntry>(new CommandDefinition(sql, new { SandboxIds = sandboxIds.ToArray() }, cancellationToken: ct))).AsList();
    }
}
