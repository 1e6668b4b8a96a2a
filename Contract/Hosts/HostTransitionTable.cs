using System.Collections.Frozen;
using static Lifecycle.Contract.Hosts.HostStatus;

namespace Lifecycle.Contract.Hosts;

/// <summary>
/// The host transition table: every change of a host's status is one of these rows, applied as a
/// compare-and-set on the status (<c>UPDATE hosts … WHERE status = ANY(@From)</c>) and written to
/// <c>host_transitions</c>, as the sandbox table is.
/// </summary>
/// <remarks>
/// Liveness and the operator's decisions share one status, as the contract names them, so the table
/// settles where they meet: only an online host becomes unreachable. A cordoned, draining or drained
/// host that falls silent keeps its status (the operator's decision outlives an outage, as a
/// Kubernetes cordon does), and the HostMonitor treats its silence as it treats an unreachable host's:
/// its sandboxes become missing. A registered host cannot be cordoned or drained: it has nothing to
/// drain, and uncordoning it would make it online without ever having spoken.
/// </remarks>
public static class HostTransitionTable
{
    public static readonly IReadOnlyList<HostTransition> Rows =
    [
        Row(HostEventTypes.Registered, [], Registered, HostEmitter.Operator),
        Row(HostEventTypes.FirstHeartbeat, [Registered], Online, HostEmitter.Host),
        Row(HostEventTypes.Silent, [Online], Unreachable, HostEmitter.HostMonitor),
        Row(HostEventTypes.Back, [Unreachable], Online, HostEmitter.Host),
        Row(HostEventTypes.Cordoned, [Online, Unreachable], Cordoned, HostEmitter.Operator),
        // Uncordon also ends a drain early (what it already paused or destroyed stays so) and returns a
        // drained host to service. A silent host it returns becomes unreachable at the next pass.
        Row(HostEventTypes.Uncordoned, [Cordoned, Draining, Drained], Online, HostEmitter.Operator),
        Row(HostEventTypes.DrainStarted, [Online, Unreachable, Cordoned], Draining, HostEmitter.Operator),
        Row(HostEventTypes.Drained, [Draining], Drained, HostEmitter.HostMonitor),
        Row(HostEventTypes.Decommissioned, [Registered, Online, Unreachable, Cordoned, Draining, Drained], Decommissioned, HostEmitter.Operator),
    ];

    private static readonly FrozenDictionary<string, HostTransition> ByType =
        Rows.ToFrozenDictionary(row => row.EventType, StringComparer.Ordinal);

    /// <summary>Every host event type, one per row: the closed set of a host transition's <c>type</c>.</summary>
    public static IEnumerable<string> AllEventTypes => Rows.Select(row => row.EventType);

    public static HostTransition Get(string eventType) =>
        ByType.TryGetValue(eventType, out var row) ? row : throw new ArgumentException($"unknown host event type '{eventType}'", nameof(eventType));

    /// <summary>True when an event of this type may move a host that is <paramref name="from"/> (null: no row yet).</summary>
    public static bool Allows(string eventType, HostStatus? from) => ByType.TryGetValue(eventType, out var row) && row.Allows(from);

    private static HostTransition Row(string type, HostStatus[] from, HostStatus to, HostEmitter emitter) =>
        new(type, from.ToFrozenSet(), to, emitter);
}
