using Lifecycle.Contract.Quotas;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.ControlPlane.Idempotency;
using Lifecycle.ControlPlane.Preconditions;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// What must commit with a team's request's change, or not at all: its <paramref name="Idempotency"/> key and answer,
/// its <paramref name="IfMatch"/> precondition on <paramref name="SandboxId"/>, the check of its
/// <paramref name="Demand"/> against the team's quotas, and the check of what it would hold on a host
/// (<paramref name="OnHost"/>) against that host's capacity.
/// </summary>
public sealed record RequestWrite(
    Guid TeamId,
    QuotaDemand? Demand = null,
    IdempotentRequest? Idempotency = null,
    Guid? SandboxId = null,
    IfMatch? IfMatch = null,
    HostDemand? OnHost = null);
