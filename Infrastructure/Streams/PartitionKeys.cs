namespace Lifecycle.Infrastructure.Streams;

/// <summary>
/// One partition's keys: its events stream and its dead-letter stream. Both carry the hash tag
/// <c>{pN}</c>, so they live in one Redis Cluster slot and a command may name both (a replay's MULTI).
/// </summary>
public sealed record PartitionKeys(int Index, string Events, string DeadLetters)
{
    /// <summary>How an operator names the partition: <c>p7</c>.</summary>
    public string Name => $"p{Index}";
}
