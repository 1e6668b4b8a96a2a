using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.Certificates;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;

namespace Lifecycle.ControlPlane.Operations;

/// <summary>
/// An operator's host transition (cordon, uncordon, decommission): the row of the host transition
/// table applied as a compare-and-set (with its history). A transition to the status the host already has
/// changes nothing and is no conflict, so a retried request is harmless.
/// </summary>
public sealed class HostTransitions(HostStore hosts, HostPlacement placement, HostCertificates certificates, ReconcileRequests reconcile)
{
    public async Task<HostTransitionRequestOutcome> ApplyAsync(Guid hostId, string eventType, string? reason, CancellationToken ct)
    {
        var row = HostTransitionTable.Get(eventType);
        var outcome = await hosts.TransitionAsync(hostId, eventType, Actors.Admin, reason, ct);
        if (outcome is HostTransitionOutcome.NotAllowed { Current: var current } && current != row.To)
        {
            return new HostTransitionRequestOutcome.Conflict(row, current);
        }
        // Whether it takes new sandboxes may have changed; the insert checks it anyway, the counts catch up.
        placement.Invalidate();
        if (outcome is HostTransitionOutcome.NoSuchHost || await hosts.GetAsync(hostId, ct) is not { } host)
        {
            return new HostTransitionRequestOutcome.NotFound();
        }
        if (eventType == HostEventTypes.Decommissioned)
        {
            await RetireAsync(hostId, ct);
        }
        return new HostTransitionRequestOutcome.Applied(host);
    }

    /// <summary>
    /// Revokes a decommissioned host's certificates and asks for a pass, which moves its sandboxes to
    /// missing and on to stopped.
    /// </summary>
    private async Task RetireAsync(Guid hostId, CancellationToken ct)
    {
        // A statement of its own, after the status change: replicas count a decommissioned host's
        // certificates as revoked anyway, so a crash between the two revokes nothing less.
        await certificates.RevokeAsync(hostId, ct);
        reconcile.Hint(null);
    }
}
