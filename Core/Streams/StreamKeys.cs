using Microsoft.Extensions.Options;

namespace Lifecycle.Core.Streams;

/// <summary>
/// Every Redis key and channel name, in one place. Events live on one stream today; a per-shard
/// layout would be <c>lifecycle:events:{N}</c>, with the braces as the Redis Cluster hash tag.
/// </summary>
public sealed class StreamKeys(IOptions<StreamOptions> options)
{
    public const string ApplierGroup = "appliers";

    private readonly string _prefix = options.Value.KeyPrefix;

    public string Events => $"{_prefix}lifecycle:events";

    public string DeadLetters => $"{_prefix}lifecycle:events:dead";

    /// <summary>Pub/sub channel that wakes idle consumers; a hint only, the stream is the truth.</summary>
    public string WakeChannel => $"{_prefix}lifecycle:events:wake";

    /// <summary>Pub/sub channel naming the sandboxes whose rows the consumer just changed: wakes <c>GET …/wait</c>; a hint only.</summary>
    public string ChangedChannel => $"{_prefix}lifecycle:sandboxes:changed";

    /// <summary>Pub/sub channel asking the HostMonitor's leader for a pass now: a host id, or empty for all hosts.</summary>
    public string ReconcileChannel => $"{_prefix}lifecycle:reconcile";
}
