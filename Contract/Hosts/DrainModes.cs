using System.Collections.Frozen;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Contract.Hosts;

/// <summary>Wire names of <see cref="DrainMode"/>, and the status each mode leaves a host's sandboxes in.</summary>
public static class DrainModes
{
    private static readonly FrozenDictionary<DrainMode, string> Wire =
        Enum.GetValues<DrainMode>().ToFrozenDictionary(mode => mode, mode => mode.ToString().ToLowerInvariant());

    private static readonly FrozenDictionary<string, DrainMode> ByWire =
        Wire.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    public static IEnumerable<string> WireNames => Wire.Values;

    public static string ToWire(this DrainMode mode) => Wire[mode];

    /// <summary>Parses the exact lower-case wire name only.</summary>
    public static bool TryParse(string? wire, out DrainMode mode) => ByWire.TryGetValue(wire ?? "", out mode);

    public static DrainMode Parse(string wire) =>
        TryParse(wire, out var mode) ? mode : throw new ArgumentException($"unknown drain mode '{wire}'", nameof(wire));

    /// <summary>
    /// Whether a sandbox in <paramref name="status"/> is where the drain promises to leave it: stopped, or
    /// (pause mode) paused. A host is drained when every one of its sandboxes is.
    /// </summary>
    public static bool IsDone(this DrainMode mode, SandboxStatus status) =>
        status == SandboxStatus.Stopped || (mode == DrainMode.Pause && status == SandboxStatus.Paused);

    /// <summary>The wire names of the statuses <see cref="IsDone"/> accepts, for a query's <c>status = ANY(@Done)</c>.</summary>
    public static string[] DoneWireNames(this DrainMode mode) =>
        [.. Enum.GetValues<SandboxStatus>().Where(status => mode.IsDone(status)).Select(status => status.ToWire())];

    /// <summary>
    /// How many sandboxes are not yet where the mode leaves them, of a host's sandboxes that are not stopped
    /// counted by status (wire names, as <c>HostRow.SandboxCounts</c> gives them).
    /// </summary>
    public static long Remaining(this DrainMode mode, IReadOnlyDictionary<string, long> notStoppedByStatus) =>
        notStoppedByStatus.Where(c => !SandboxStatuses.TryParse(c.Key, out var status) || !mode.IsDone(status)).Sum(c => c.Value);
}
