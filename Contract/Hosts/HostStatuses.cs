using System.Collections.Frozen;

namespace Lifecycle.Contract.Hosts;

/// <summary>Wire names of <see cref="HostStatus"/>, and which statuses mean what to the rest of the system.</summary>
public static class HostStatuses
{
    private static readonly FrozenDictionary<HostStatus, string> Wire =
        Enum.GetValues<HostStatus>().ToFrozenDictionary(status => status, status => status.ToString().ToLowerInvariant());

    private static readonly FrozenDictionary<string, HostStatus> ByWire =
        Wire.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>Every status, in the order of the enum: what <c>lifecycle_hosts{status}</c> reports, zeros included.</summary>
    public static IReadOnlyList<HostStatus> All { get; } = Enum.GetValues<HostStatus>();

    /// <summary>Statuses whose host keeps its sandboxes and is reconciled against what it runs while it answers.</summary>
    public static IReadOnlyList<HostStatus> Serving { get; } = [HostStatus.Online, HostStatus.Cordoned, HostStatus.Draining, HostStatus.Drained];

    public static IEnumerable<string> WireNames => Wire.Values;

    public static string ToWire(this HostStatus status) => Wire[status];

    public static bool TryParse(string? wire, out HostStatus status) => ByWire.TryGetValue(wire ?? "", out status);

    public static HostStatus Parse(string wire) =>
        TryParse(wire, out var status) ? status : throw new ArgumentException($"unknown host status '{wire}'", nameof(wire));

    /// <summary>Only an online host receives new sandboxes.</summary>
    public static bool TakesPlacements(this HostStatus status) => status == HostStatus.Online;
}
