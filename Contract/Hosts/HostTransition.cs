using System.Collections.Frozen;

namespace Lifecycle.Contract.Hosts;

/// <summary>Who moves a host from one status to another.</summary>
public enum HostEmitter
{
    /// <summary>An operator, through the admin API.</summary>
    Operator,

    /// <summary>The host agent itself, by heartbeating.</summary>
    Host,

    /// <summary>The HostMonitor of the replica that owns the host's shard (silence, the end of a drain).</summary>
    HostMonitor,
}

/// <summary>
/// One row of the host transition table: an event of <paramref name="EventType"/> may move a host from
/// any status in <paramref name="From"/> (empty: it creates the row) to <paramref name="To"/>.
/// </summary>
public sealed record HostTransition(string EventType, FrozenSet<HostStatus> From, HostStatus To, HostEmitter EmittedBy)
{
    public bool CreatesRow => From.Count == 0;

    public bool Allows(HostStatus? from) => from is { } f ? From.Contains(f) : CreatesRow;

    /// <summary>The from-statuses as their wire names, for the compare-and-set's <c>status = ANY(@From)</c>.</summary>
    public string[] FromWire => [.. From.Select(status => status.ToWire())];
}
