using Lifecycle.Contract.Partitioning;
using Microsoft.Extensions.Options;

namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// Every Redis key and channel name, in one place. Events live on <see cref="Partitions"/> streams,
/// <c>lifecycle:{p0}:events</c> … <c>lifecycle:{pN}:events</c>; the braces are the Redis Cluster hash
/// tag, so a partition's keys share a slot and different partitions spread over the masters.
/// </summary>
public sealed class StreamKeys
{
    public const string ApplierGroup = "appliers";

    private readonly string _prefix;
    private readonly PartitionKeys[] _partitions;

    public StreamKeys(IOptions<StreamOptions> options)
    {
        var settings = options.Value;
        if (settings.Partitions is < 1 or > StreamOptions.MaxPartitions)
        {
            throw new OptionsValidationException(StreamOptions.Section, typeof(StreamOptions),
                [$"Lifecycle:Streams:Partitions must be between 1 and {StreamOptions.MaxPartitions}; it is {settings.Partitions}"]);
        }
        if (settings.KeyPrefix.Contains('{', StringComparison.Ordinal))
        {
            throw new OptionsValidationException(StreamOptions.Section, typeof(StreamOptions),
                ["Lifecycle:Streams:KeyPrefix must not contain '{': the first braces of a key are its cluster hash tag"]);
        }
        _prefix = settings.KeyPrefix;
        _partitions = [.. Enumerable.Range(0, settings.Partitions).Select(p =>
            new PartitionKeys(p, $"{_prefix}lifecycle:{{p{p}}}:events", $"{_prefix}lifecycle:{{p{p}}}:dead"))];
    }

    /// <summary>Every partition, in order.</summary>
    public IReadOnlyList<PartitionKeys> Partitions => _partitions;

    public PartitionKeys Partition(int index) => _partitions[index];

    /// <summary>The partition that carries a sandbox's events.</summary>
    public PartitionKeys For(Guid sandboxId) => _partitions[StableHash.SlotOf(sandboxId, _partitions.Length)];

    /// <summary>Pub/sub channel that wakes idle consumers (the message names the partition); a hint only, the stream is the truth.</summary>
    public string WakeChannel => $"{_prefix}lifecycle:events:wake";

    /// <summary>Pub/sub channel naming the sandboxes whose rows the consumer just changed: wakes <c>GET …/wait</c>; a hint only.</summary>
    public string ChangedChannel => $"{_prefix}lifecycle:sandboxes:changed";

    /// <summary>Pub/sub channel asking the HostMonitor for a pass now: a host id, or empty for all hosts.</summary>
    public string ReconcileChannel => $"{_prefix}lifecycle:reconcile";
}
