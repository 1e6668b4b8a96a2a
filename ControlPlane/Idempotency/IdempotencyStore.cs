using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>
/// Owns <c>idempotency_keys</c> (sql/013_idempotency_keys.sql). A request claims its key in the transaction of its
/// change and completes it with its answer before that transaction commits, so the two are seen together or not at all.
/// A concurrent request with the same key waits on the claim (the primary key) and then finds the first one's answer.
/// </summary>
public sealed class IdempotencyStore(NpgsqlDataSource dataSource, IOptions<IdempotencyOptions> options)
{
    private const int PurgeBatch = 5_000;

    /// <summary>The earlier request with this team's key, while it is kept; null when there is none.</summary>
    public async Task<EarlierRequest?> FindAsync(IdempotentRequest request, CancellationToken ct)
    {
        const string sql = """
            SELECT method, path, fingerprint, status_code, location, etag, body
              FROM idempotency_keys
             WHERE team_id = @TeamId AND key = @Key AND expires_at > now() AND status_code IS NOT NULL
            """;
        await using var conn = dataSource.CreateConnection();
        var row = await conn.QuerySingleOrDefaultAsync<(string Method, string Path, byte[] Fingerprint, int StatusCode, string? Location, string? ETag, string Body)?>(
            new CommandDefinition(sql, new { request.TeamId, request.Key }, cancellationToken: ct));
        return row is { } r ? new EarlierRequest(r.Method, r.Path, r.Fingerprint, new StoredAnswer(r.StatusCode, r.Body, r.Location, r.ETag)) : null;
    }

    /// <summary>
    /// The earlier request with <paramref name="request"/>'s key, when there is one (none without a key), and whether it
    /// was the same request: its answer is then replayed, else the request is refused.
    /// </summary>
    public async Task<(EarlierRequest Earlier, bool Same)?> EarlierAsync(IdempotentRequest? request, CancellationToken ct) =>
        request is not null && await FindAsync(request, ct) is { } earlier ? (earlier, request.SameAs(earlier)) : null;

    /// <summary>
    /// Claims the key within <paramref name="transaction"/>: false when another request holds it (waiting first for that
    /// request's transaction, if it is still open). A key past its retention is claimed afresh.
    /// </summary>
    public async Task<bool> ClaimAsync(IdempotentRequest request, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO idempotency_keys (team_id, key, method, path, fingerprint, expires_at)
            VALUES (@TeamId, @Key, @Method, @Path, @Fingerprint, now() + make_interval(secs => @RetentionSec))
            ON CONFLICT (team_id, key) DO UPDATE
               SET method = EXCLUDED.method, path = EXCLUDED.path, fingerprint = EXCLUDED.fingerprint,
                   status_code = NULL, location = NULL, etag = NULL, body = NULL,
                   created_at = now(), expires_at = EXCLUDED.expires_at
             WHERE idempotency_keys.expires_at <= now()
            RETURNING true
            """;
        var claimed = await connection.ExecuteScalarAsync<bool?>(new CommandDefinition(sql, new
        {
            request.TeamId,
            request.Key,
            request.Method,
            request.Path,
            request.Fingerprint,
            RetentionSec = options.Value.Retention.TotalSeconds,
        }, transaction, cancellationToken: ct));
        return claimed == true;
    }

    /// <summary>Stores the answer of a claimed key, within the claiming transaction.</summary>
    public async Task CompleteAsync(IdempotentRequest request, StoredAnswer answer, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        const string sql = """
            UPDATE idempotency_keys
               SET status_code = @StatusCode, location = @Location, etag = @ETag, body = @Body
             WHERE team_id = @TeamId AND key = @Key
            """;
        await connection.ExecuteAsync(new CommandDefinition(sql, new
        {
            request.TeamId,
            request.Key,
            answer.StatusCode,
            answer.Location,
            answer.ETag,
            answer.Body,
        }, transaction, cancellationToken: ct));
    }

    /// <summary>Deletes keys past their retention, a batch at a time; returns how many.</summary>
    public async Task<int> PurgeExpiredAsync(CancellationToken ct)
    {
        const string sql = """
            DELETE FROM idempotency_keys
             WHERE (team_id, key) IN (SELECT team_id, key FROM idempotency_keys WHERE expires_at <= now() LIMIT @Batch)
            """;
        await using var conn = dataSource.CreateConnection();
        var total = 0;
        int deleted;
        do
        {
            deleted = await conn.ExecuteAsync(new CommandDefinition(sql, new { Batch = PurgeBatch }, cancellationToken: ct));
            total += deleted;
        }
        while (deleted == PurgeBatch);
        return total;
    }
}
