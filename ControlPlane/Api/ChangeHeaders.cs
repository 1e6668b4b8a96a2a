using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Preconditions;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// The headers a team's change request may carry: <c>Idempotency-Key</c> (with the request's fingerprint, and how its
/// answer is stored: <paramref name="Idempotency"/>) and <c>If-Match</c>.
/// </summary>
public sealed record ChangeHeaders(IdempotentRequest? Idempotency, IfMatch? IfMatch)
{
    /// <summary>
    /// Reads them, or the 400 that refuses them. <paramref name="statusOf"/> gives the status code of the request's
    /// answer for the sandbox it leaves (stored with its key).
    /// </summary>
    public static async Task<(ChangeHeaders? Headers, ProblemDetails? Problem)> ReadAsync(
        HttpRequest request, Guid teamId, SandboxAnswers answers, Func<SandboxRow, int> statusOf, CancellationToken ct)
    {
        // The body is kept, and read from its start, so that a run again after a broken Postgres connection (the
        // ride-through) reads the same body and takes the same fingerprint.
        request.EnableBuffering();
        request.Body.Position = 0;
        if (!IfMatch.TryRead(request, out var ifMatch))
        {
            return (null, Problems.BadRequest("If-Match must be * or a list of entity tags (an ETag from an earlier answer)."));
        }
        var (sane, idempotency) = await IdempotencyHeaders.ReadAsync(request, teamId, row => answers.Stored(row, statusOf(row)), ct);
        if (!sane)
        {
            return (null, Problems.BadRequest(IdempotencyHeaders.Describe));
        }
        return (new ChangeHeaders(idempotency, ifMatch), null);
    }
}
