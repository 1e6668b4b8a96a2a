using Lifecycle.Contract.Partitioning;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// What one pass covers: one host (<paramref name="OnlyHost"/>), or the online hosts of one slice of
/// <paramref name="Slices"/> (a host's slice is <see cref="StableHash"/> of its id modulo the count;
/// one slice of one is every host). Only a pass of slice 0 that is not for one host runs the passive
/// phase, so that phase runs once per interval however the active phase is sliced.
/// </summary>
/// <param name="SilenceCheckFrom">
/// No host is called silent before this instant: the replica's start plus a whole heartbeat timeout.
/// A replica may start after an outage of the control plane or of Postgres, during which no host could
/// heartbeat, and a fleet found "silent" then would have every sandbox marked missing at once.
/// </param>
public sealed record PassScope(Guid? OnlyHost, int Slice, int Slices, DateTimeOffset SilenceCheckFrom)
{
    /// <summary>Every host, and the passive phase: on start, and on an operator's request.</summary>
    public static PassScope AllHosts(DateTimeOffset silenceCheckFrom) => new(null, 0, 1, silenceCheckFrom);

    /// <summary>One host that just came back online.</summary>
    public static PassScope Host(Guid hostId, DateTimeOffset silenceCheckFrom) => new(hostId, 0, 1, silenceCheckFrom);

    public bool RunsPassivePhase => OnlyHost is null && Slice == 0;

    public bool Covers(Guid hostId) => OnlyHost is { } only
        ? hostId == only
        : Slices <= 1 || StableHash.Of(hostId) % (uint)Slices == (uint)Slice;

    /// <summary>The pass metric's <c>scope</c> tag: <c>all</c>, <c>slice</c> or <c>host</c>.</summary>
    public string Kind => OnlyHost is not null ? "host" : Slices <= 1 ? "all" : "slice";

    /// <summary>For the pass's log line.</summary>
    public string Description => OnlyHost is { } only
        ? $"host {only}"
        : Slices <= 1 ? "all hosts" : $"hosts of slice {Slice}/{Slices}";
}
