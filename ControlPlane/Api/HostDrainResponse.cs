using System.Text.Json.Serialization;
using Lifecycle.Contract.Hosts;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// A draining or drained host's drain, as the host JSON shows it. <c>remaining</c> counts its sandboxes
/// not yet where the mode leaves them (zero once drained); <c>paused_kept</c>, in pause mode only, the paused
/// sandboxes left on the host with their snapshots: decommissioning the host would stop them.
/// </summary>
public sealed record HostDrainResponse(
    [property: OneOf(typeof(DrainModes), nameof(DrainModes.WireNames))] string Mode,
    DateTime StartedAt,
    DateTime Deadline,
    long Remaining,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? PausedKept)
{
    public static HostDrainResponse From(HostDrain drain, IReadOnlyDictionary<string, long> notStoppedByStatus)
    {
        var mode = drain.Mode;
        return new(drain.DrainMode, drain.DrainStartedAt, drain.DrainDeadline, mode.Remaining(notStoppedByStatus),
            mode == DrainMode.Pause ? notStoppedByStatus.GetValueOrDefault(SandboxStatus.Paused.ToWire()) : null);
    }
}
