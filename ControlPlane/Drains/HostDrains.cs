using Lifecycle.Contract.Events;
using Lifecycle.Contract.Hosts;
using Lifecycle.ControlPlane.Drains;
using Lifecycle.ControlPlane.Placement;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>
/// Starts an operator's drain of a host: the host becomes draining (with its history), and the replica that
/// owns the host drives the drain (<see cref="DrainDriver"/>).
/// </summary>
public sealed class HostDrains(HostStore hosts, HostPlacement placement, DrainDriver driver)
{
    public async Task<HostDrainOutcome> StartAsync(Guid hostId, DrainMode mode, int deadlineSec, string? reason, CancellationToken ct)
    {
        var history = $"{mode.ToWire()} within {deadlineSec} s" + (reason is null ? "" : $": {reason}");
        switch (await hosts.StartDrainAsync(hostId, mode, TimeSpan.FromSeconds(deadlineSec), Actors.Admin, history, ct))
        {
            case HostTransitionOutcome.NoSuchHost:
                return new HostDrainOutcome.NotFound();
            case HostTransitionOutcome.NotAllowed { Current: HostStatus.Draining }:
                return new HostDrainOutcome.UnderWay((await hosts.DrainsAsync([HostStatus.Draining], hostId, ct)).SingleOrDefault());
            case HostTransitionOutcome.NotAllowed notAllowed:
                return new HostDrainOutcome.NotDrainable(notAllowed.Current);
        }
        placement.Invalidate();
        driver.Wake();
        return new HostDrainOutcome.Started((await hosts.GetAsync(hostId, ct))!);
    }
}
