using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>
/// A team's request that carries an <c>Idempotency-Key</c>: the key, what identifies the request
/// (<see cref="Fingerprint"/> of its method, path and body), and how its answer reads once it has changed
/// <see cref="Answer"/>'s sandbox, to be stored in the change's own transaction.
/// </summary>
public sealed class IdempotentRequest(Guid teamId, string key, string method, string path, byte[] fingerprint)
{
    public Guid TeamId { get; } = teamId;

    public string Key { get; } = key;

    public string Method { get; } = method;

    public string Path { get; } = path;

    public byte[] Fingerprint { get; } = fingerprint;

    /// <summary>The answer to store for a sandbox the request changed (set by the endpoint, which knows its status code).</summary>
    public required Func<SandboxRow, StoredAnswer> Answer { get; init; }

    /// <summary>Whether an earlier request with this key was this same request.</summary>
    public bool SameAs(EarlierRequest earlier) => earlier.Fingerprint.AsSpan().SequenceEqual(Fingerprint);
}
