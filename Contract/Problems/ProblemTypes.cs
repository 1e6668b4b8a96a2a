namespace Lifecycle.Contract.Problems;

/// <summary>
/// The <c>type</c> of the problem answers a client must tell apart from others of the same status; every other problem's
/// type is <c>https://httpstatuses.io/&lt;status&gt;</c>.
/// </summary>
public static class ProblemTypes
{
    /// <summary>A 429 over a team quota: waiting does not help (no <c>Retry-After</c>), stopping sandboxes does.</summary>
    public const string QuotaExceeded = "urn:lifecycle:problem:quota-exceeded";

    /// <summary>A 503: no host has room for the sandbox now (<c>reason: no_capacity</c>); retry after <c>Retry-After</c>, or ask for less.</summary>
    public const string NoCapacity = "urn:lifecycle:problem:no-capacity";

    /// <summary>A 422: the sandbox is bigger than any host can hold (<c>reason: no_capacity</c>); retrying never helps.</summary>
    public const string TooBig = "urn:lifecycle:problem:too-big";

    /// <summary>A 422: the <c>Idempotency-Key</c> was first used with another request.</summary>
    public const string IdempotencyKeyReused = "urn:lifecycle:problem:idempotency-key-reused";

    /// <summary>A 412: the <c>If-Match</c> tag is not the sandbox's current one; nothing changed.</summary>
    public const string PreconditionFailed = "urn:lifecycle:problem:precondition-failed";
}
