using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Quotas;
using Lifecycle.Infrastructure.Store;
using Npgsql;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// Runs a team's request's write in one transaction with what must commit with it (<see cref="RequestWrite"/>), in one
/// lock order so no two requests wait on each other: the idempotency key (a concurrent duplicate waits here, then finds
/// the first one's answer), the team's quota lock, the host's capacity lock, the sandbox's row lock for an
/// <c>If-Match</c>, then the write and the key's answer. A request that needs none of them writes without a transaction.
/// </summary>
public sealed class RequestWrites(NpgsqlDataSource dataSource, TeamQuotas quotas, HostCapacity capacity, IdempotencyStore keys, SandboxStore sandboxes)
{
    /// <param name="write">The change: its result, or null when it changed nothing (the transaction is then rolled back).</param>
    /// <param name="sandboxOf">The sandbox a written result leaves, for the idempotency key's answer.</param>
    public async Task<WriteResult<T>> RunAsync<T>(
        RequestWrite request, Func<NpgsqlConnection?, NpgsqlTransaction?, Task<T?>> write, Func<T, SandboxRow> sandboxOf, CancellationToken ct)
        where T : class
    {
        var limits = request.Demand is { } demand ? await quotas.CountedLimitsAsync(request.TeamId, demand, ct) : null;
        if (request.Idempotency is null && limits is null && request.IfMatch is null && request.OnHost is null)
        {
            return new WriteResult<T>(await write(null, null));
        }
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        if (request.Idempotency is { } key && !await keys.ClaimAsync(key, connection, transaction, ct))
        {
            return new WriteResult<T>(null, KeyTaken: true);
        }
        if (limits is not null && await quotas.LockAndCheckAsync(request.TeamId, limits, request.Demand!, connection, transaction, ct) is { } breach)
        {
            return new WriteResult<T>(null, Breach: breach);
        }
        if (request.OnHost is { } onHost && await capacity.LockAndCheckAsync(onHost, connection, transaction, ct) is { } shortfall)
        {
            return new WriteResult<T>(null, Shortfall: shortfall);
        }
        if (request.IfMatch is { } ifMatch)
        {
            var current = await sandboxes.GetForUpdateAsync(request.TeamId, request.SandboxId!.Value, connection, transaction, ct);
            if (current is null)
            {
                return new WriteResult<T>(null);
            }
            if (!ifMatch.Matches(current))
            {
                return new WriteResult<T>(null, Unmatched: current);
            }
        }
        var written = await write(connection, transaction);
        if (written is null)
        {
            return new WriteResult<T>(null);
        }
        if (request.Idempotency is { } claimed)
        {
            await keys.CompleteAsync(claimed, claimed.Answer(sandboxOf(written)), connection, transaction, ct);
        }
        await transaction.CommitAsync(ct);
        return new WriteResult<T>(written);
    }
}
