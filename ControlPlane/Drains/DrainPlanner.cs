using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Drains;

/// <summary>The requests one round of a drain makes for a host, and how far the drain has got.</summary>
/// <param name="Requests">Pauses and destroys to ask for now, at most the in-flight budget's worth.</param>
/// <param name="Remaining">Sandboxes not yet where the mode leaves them; zero: the host is drained.</param>
/// <param name="InFlight">Sandboxes in a transient status, whichever request put them there.</param>
public sealed record DrainPlan(IReadOnlyList<DrainRequest> Requests, int Remaining, int InFlight);

/// <summary>One operation a drain asks for, on one sandbox.</summary>
public sealed record DrainRequest(HostedSandbox Sandbox, SandboxOperation Operation);

/// <summary>Decides, sandbox by sandbox, what a drain does next; pure, so every rule is tested on its own.</summary>
public static class DrainPlanner
{
    /// <summary>
    /// The step for one sandbox. Before the deadline: destroy mode destroys everything settled (error and
    /// missing included), pause mode pauses running sandboxes and destroys errored ones (there is nothing to
    /// keep of them), wait mode does nothing. A sandbox in a transient status is left to land first, so a
    /// destroy never races the create or resume under way on the host. From the deadline on, whatever is not
    /// done is destroyed. A destroy already under way is never asked for again, even when its host fell silent
    /// meanwhile (missing, lost while stopping): finding it re-drives that destroy.
    /// </summary>
    public static DrainStep Next(DrainMode mode, SandboxStatus status, SandboxStatus? lostFrom, bool pastDeadline)
    {
        if (mode.IsDone(status))
        {
            return DrainStep.Done;
        }
        if (status == SandboxStatus.Stopping || (status == SandboxStatus.Missing && lostFrom == SandboxStatus.Stopping))
        {
            return DrainStep.Wait;
        }
        if (pastDeadline)
        {
            return DrainStep.Destroy;
        }
        return (mode, status) switch
        {
            (DrainMode.Destroy, SandboxStatus.Running or SandboxStatus.Paused or SandboxStatus.Error or SandboxStatus.Missing) => DrainStep.Destroy,
            (DrainMode.Pause, SandboxStatus.Running) => DrainStep.Pause,
            (DrainMode.Pause, SandboxStatus.Error) => DrainStep.Destroy,
            _ => DrainStep.Wait,
        };
    }

    /// <summary>
    /// The round's plan for a host's sandboxes that are not stopped. At most <paramref name="maxInFlight"/>
    /// of them are in a transient status once the requests are made, so a host with thousands of sandboxes
    /// is worked through a window at a time instead of flooded.
    /// </summary>
    public static DrainPlan Plan(DrainMode mode, IReadOnlyCollection<HostedSandbox> sandboxes, bool pastDeadline, int maxInFlight)
    {
        var remaining = sandboxes.Count(s => !mode.IsDone(s.Status));
        var inFlight = sandboxes.Count(s => s.Status.IsTransient());
        var budget = Math.Max(0, maxInFlight - inFlight);
        var requests = sandboxes
            .Select(s => (Sandbox: s, Step: Next(mode, s.Status, s.LostFrom, pastDeadline)))
            .Where(s => s.Step is DrainStep.Pause or DrainStep.Destroy)
            .OrderBy(s => s.Sandbox.Id)
            .Take(budget)
            .Select(s => new DrainRequest(s.Sandbox, s.Step == DrainStep.Pause ? SandboxOperation.Pause : SandboxOperation.Destroy))
            .ToList();
        return new DrainPlan(requests, remaining, inFlight);
    }
}
