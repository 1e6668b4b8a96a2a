using Lifecycle.Contract.Quotas;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// What became of a <see cref="RequestWrites.RunAsync{T}"/>: <see cref="Written"/> (null when the write itself changed
/// nothing: a lost compare-and-set); or, with nothing written, the quota <see cref="Breach"/>, the host's
/// <see cref="Shortfall"/> of capacity, the sandbox as it is when the precondition failed (<see cref="Unmatched"/>), or
/// <see cref="KeyTaken"/>: another request holds the key.
/// </summary>
public sealed record WriteResult<T>(
    T? Written, QuotaBreach? Breach = null, SandboxRow? Unmatched = null, bool KeyTaken = false, CapacityShortfall? Shortfall = null)
    where T : class;
