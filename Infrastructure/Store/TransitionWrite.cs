using Lifecycle.Contract.Events;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// One event to apply as a compare-and-set, with what the row takes beside its status: the operation's new
/// <paramref name="Deadline"/> (null clears it), a restarted time to live (<paramref name="ExpiresAt"/>, null keeps
/// the rule's), and, for the evictor, <paramref name="OnlyIfExpiredBy"/>: apply only while the sandbox is still
/// expired at that time, so a timeout extended meanwhile is never undone.
/// </summary>
public sealed record TransitionWrite(
    StateEvent Event,
    DateTimeOffset? Deadline = null,
    DateTimeOffset? ExpiresAt = null,
    DateTimeOffset? OnlyIfExpiredBy = null);
