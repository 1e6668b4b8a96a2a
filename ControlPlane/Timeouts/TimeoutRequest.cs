using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Preconditions;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>
/// A team's timeout or connect call on its sandbox <paramref name="Id"/>: the time to live asked for (a connect may leave
/// it to the sandbox's own), and the request's idempotency key and <c>If-Match</c> precondition.
/// </summary>
public sealed record TimeoutRequest(Guid TeamId, Guid Id, int? TimeoutSec, IdempotentRequest? Idempotency = null, IfMatch? IfMatch = null);
