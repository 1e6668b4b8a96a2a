namespace Lifecycle.Infrastructure.Store;

/// <summary>One partition's outbox: events not yet on the stream (and the oldest one's wait), and events on it not yet seen by the appliers.</summary>
public sealed record OutboxPartitionState(int Partition, long Unsent, double OldestUnsentAgeSeconds, long OnStream);
