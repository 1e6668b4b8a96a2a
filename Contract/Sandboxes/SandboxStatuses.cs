using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace Lifecycle.Contract.Sandboxes;

/// <summary>Wire names and classifications of <see cref="SandboxStatus"/>.</summary>
public static class SandboxStatuses
{
    private static readonly FrozenDictionary<SandboxStatus, string> Names =
        Enum.GetValues<SandboxStatus>().ToFrozenDictionary(s => s, s => s.ToString().ToLowerInvariant());

    private static readonly FrozenDictionary<string, SandboxStatus> ByName =
        Names.ToFrozenDictionary(pair => pair.Value, pair => pair.Key, StringComparer.Ordinal);

    /// <summary>States an operation is under way in; each has a deadline.</summary>
    public static readonly FrozenSet<SandboxStatus> Transient =
        new[] { SandboxStatus.Starting, SandboxStatus.Pausing, SandboxStatus.Resuming, SandboxStatus.Stopping }.ToFrozenSet();

    /// <summary>Transient states and <c>missing</c>: a sandbox should not stay in one for long.</summary>
    public static readonly FrozenSet<SandboxStatus> Unsettled =
        Transient.Append(SandboxStatus.Missing).ToFrozenSet();

    /// <summary>Every status but <c>stopped</c>: the sandbox may still hold resources on a host.</summary>
    public static readonly FrozenSet<SandboxStatus> NonTerminal =
        Enum.GetValues<SandboxStatus>().Where(s => s != SandboxStatus.Stopped).ToFrozenSet();

    public static string ToWire(this SandboxStatus status) => Names[status];

    /// <summary>Parses the exact lower-case wire name; numbers and other spellings are refused.</summary>
    public static bool TryParse(string? name, out SandboxStatus status) =>
        ByName.TryGetValue(name ?? "", out status);

    public static SandboxStatus Parse(string name) =>
        TryParse(name, out var status) ? status : throw new FormatException($"unknown sandbox status '{name}'");

    public static IEnumerable<string> WireNames => Names.Values;

    public static bool IsTransient(this SandboxStatus status) => Transient.Contains(status);

    [return: NotNullIfNotNull(nameof(status))]
    public static string? ToWire(this SandboxStatus? status) => status?.ToWire();
}
