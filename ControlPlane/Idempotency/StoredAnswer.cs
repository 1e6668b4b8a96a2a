namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>The answer a request with an idempotency key got, kept to be replayed as it was: status, headers and body.</summary>
public sealed record StoredAnswer(int StatusCode, string Body, string? Location, string? ETag);
