using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Preconditions;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// A pause, resume or destroy of one sandbox of <paramref name="TeamId"/>, by <paramref name="Actor"/> (a team, a
/// drain, the evictor) for <paramref name="Reason"/> (written on the request and its outcome).
/// <paramref name="TimeoutSec"/> is a resume's time to live when not the sandbox's own (a connect's);
/// <paramref name="OnlyIfExpiredBy"/> makes it the evictor's: applied only while the sandbox is still expired then.
/// <paramref name="CountsAgainstQuota"/>: the team's own request, so a resume or a pause is checked against its quotas
/// (the evictor's and a drain's are not). <paramref name="Idempotency"/> and <paramref name="IfMatch"/> are a team's
/// request's key and precondition.
/// </summary>
public sealed record OperationRequest(
    SandboxOperation Operation,
    Guid TeamId,
    Guid SandboxId,
    string Actor,
    string? Reason = null,
    int? TimeoutSec = null,
    DateTimeOffset? OnlyIfExpiredBy = null,
    bool CountsAgainstQuota = false,
    IdempotentRequest? Idempotency = null,
    IfMatch? IfMatch = null);
