using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Claims;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Text;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.ControlPlane.Waiting;
using Lifecycle.Infrastructure.Store;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// How a client learns what became of its 202 without polling: <c>GET /v1/sandboxes/{id}/wait</c>
/// (a long poll until a status) and <c>GET /v1/sandboxes/{id}/events</c> (the sandbox's history).
/// </summary>
public static class SandboxOutcomeEndpoints
{
    public static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(30);

    /// <summary>Below the idle timeout of common load balancers (60 s), so a wait is never cut off in between.</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(55);

    /// <summary>How often a wait re-reads the row when no change message arrives (one lost, or Redis away).</summary>
    public static readonly TimeSpan FallbackPoll = TimeSpan.FromSeconds(1);

    public const int DefaultEventPage = 100;
    public const int MaxEventPage = 1000;

    public static IEndpointRouteBuilder MapSandboxOutcomes(this IEndpointRouteBuilder app)
    {
        var group = app.MapSandboxGroup();
        group.MapGet("/{id}/wait", Wait).WithName("waitForSandbox").WithSummary("Wait until a sandbox is in a status").AboutOneSandbox()
            .ProducesProblem(StatusCodes.Status408RequestTimeout).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id}/events", Events).WithName("listSandboxEvents").WithSummary("Read a sandbox's history, oldest first").AboutOneSandbox();
        return app;
    }

    /// <summary>
    /// 200 with the sandbox once it is in <paramref name="status"/> (at once if it already is); 409 as soon as
    /// it cannot get there without a new request (running, from error or stopped); 408 when
    /// <paramref name="timeout"/> passes first. Both problems carry <c>current_status</c>.
    /// </summary>
    public static async Task<Results<Ok<SandboxResponse>, ProblemHttpResult>> Wait(
        string id, HttpResponse response, ClaimsPrincipal user, SandboxStore store, SandboxChangeListener listener, TimeProvider clock,
        CancellationToken ct,
        [Required, OneOf(typeof(SandboxStatuses), nameof(SandboxStatuses.WireNames))] string? status = null,
        [Description("How long to wait: a duration up to 55s, like 500ms or 30s (30s when absent).")] string? timeout = null)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        if (status is null || !SandboxStatuses.TryParse(status, out var awaited))
        {
            return Problem(Problems.BadRequest($"status is required, one of: {string.Join(", ", SandboxStatuses.WireNames)}."));
        }
        var limit = DefaultWait;
        if (timeout is not null && (!Durations.TryParse(timeout, out limit) || limit > MaxWait))
        {
            return Problem(Problems.BadRequest($"timeout must be a duration from 0s to {MaxWait.TotalSeconds:0}s, like 30s or 500ms."));
        }

        var deadline = clock.GetUtcNow() + limit;
        using var watch = listener.Watch(sandboxId);
        while (true)
        {
            // Taken before the read: a change that lands between the read and the wait still wakes it.
            var changed = listener.NextChangeAsync(sandboxId);
            var row = await store.GetAsync(user.TeamId(), sandboxId, ct);
            if (row is null)
            {
                return Problem(Problems.NotFound(sandboxId));
            }
            var current = row.Status;
            if (current == awaited)
            {
                return SandboxAnswers.Ok(response, row);
            }
            if (!TransitionTable.CanReachUnasked(current, awaited))
            {
                return Problem(Problems.Unreachable(awaited, current));
            }
            var left = deadline - clock.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return Problem(Problems.WaitTimedOut(awaited, current, limit));
            }
            await Task.WhenAny(changed, Task.Delay(left < FallbackPoll ? left : FallbackPoll, clock, ct));
            ct.ThrowIfCancellationRequested();
        }
    }

    /// <summary>The sandbox's applied transitions, oldest first, in pages; the cursor is the last version seen.</summary>
    public static async Task<Results<Ok<SandboxEventPage>, ProblemHttpResult>> Events(
        string id, ClaimsPrincipal user, SandboxStore store, TransitionHistoryStore history, CancellationToken ct,
        [WholeNumber(1, MaxEventPage, DefaultEventPage)] string? limit = null,
        [Description("The next_cursor of the previous page.")] string? cursor = null)
    {
        if (!PathIds.TryParse(id, "sandbox", out var sandboxId, out var badId))
        {
            return Problem(badId);
        }
        var pageSize = DefaultEventPage;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out pageSize) || pageSize is < 1 or > MaxEventPage))
        {
            return Problem(Problems.BadRequest($"limit must be a whole number from 1 to {MaxEventPage}."));
        }
        var after = -1L;
        if (cursor is not null && (!long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out after)))
        {
            return Problem(Problems.BadRequest("cursor must be a next_cursor value from a previous page."));
        }
        if (await store.GetAsync(user.TeamId(), sandboxId, ct) is null)
        {
            return Problem(Problems.NotFound(sandboxId));
        }
        var rows = await history.PageForSandboxAsync(sandboxId, after, pageSize, ct);
        var next = rows.Count == pageSize ? rows[^1].Version.ToString(CultureInfo.InvariantCulture) : null;
        return TypedResults.Ok(new SandboxEventPage([.. rows.Select(SandboxEventResponse.Of)], next));
    }

    private static ProblemHttpResult Problem(ProblemDetails problem) => TypedResults.Problem(problem);
}
