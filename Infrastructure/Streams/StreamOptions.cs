namespace Lifecycle.Infrastructure.Streams;

/// <summary>Bound from <c>Lifecycle:Streams</c>.</summary>
public sealed class StreamOptions
{
    public const string Section = "Lifecycle:Streams";

    /// <summary>Most partitions a deployment may have: each costs a stream, a lease and a read loop.</summary>
    public const int MaxPartitions = 1024;

    /// <summary>
    /// Prepended to every key, so environments (and tests) can share one Redis. Must not contain
    /// <c>{</c>: the first braces of a key are its Redis Cluster hash tag, which must be the partition's.
    /// </summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// P, the number of event stream partitions; fixed for a deployment (docs/deployment.md says how to
    /// change it). A sandbox's events all go to partition <c>StableHash(id) mod P</c>, so they stay in order.
    /// </summary>
    public int Partitions { get; set; } = 1;
}
