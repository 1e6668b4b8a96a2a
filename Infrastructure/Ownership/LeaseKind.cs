namespace Lifecycle.Infrastructure.Ownership;

/// <summary>
/// What replicas divide between them by lease: the closed set. Each kind has a fixed number of slots
/// per deployment, and a replica takes part in a kind only when it runs the work for it.
/// </summary>
public sealed record LeaseKind(string Name)
{
    /// <summary>Event stream partitions: the owner consumes the partition's stream.</summary>
    public static readonly LeaseKind EventPartitions = new("events");

    /// <summary>Shards of the hosts (<c>StableHash(host id) mod shards</c>): the owner runs the HostMonitor for their hosts.</summary>
    public static readonly LeaseKind HostShards = new("hosts");

    public static IReadOnlyList<LeaseKind> All { get; } = [EventPartitions, HostShards];

    public override string ToString() => Name;
}
