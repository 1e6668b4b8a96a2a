namespace Lifecycle.Contract.Http;

/// <summary>The headers of the contract (docs/contract.md, "REST API"), by the names clients send and read: one spelling for the server, its document and the client.</summary>
public static class HeaderNames
{
    public const string IdempotencyKey = "Idempotency-Key";
    public const string IdempotentReplayed = "Idempotent-Replayed";
    public const string RequestId = "X-Request-Id";
    public const string IfMatch = "If-Match";
    public const string IfNoneMatch = "If-None-Match";
    public const string ETag = "ETag";
    public const string Location = "Location";
    public const string RetryAfter = "Retry-After";
    public const string Link = "Link";
    public const string WwwAuthenticate = "WWW-Authenticate";
}
