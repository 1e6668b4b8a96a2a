namespace Lifecycle.ControlPlane.Idempotency;

/// <summary>The request a key was first used for, and the answer it got.</summary>
public sealed record EarlierRequest(string Method, string Path, byte[] Fingerprint, StoredAnswer Answer);
