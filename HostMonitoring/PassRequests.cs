using System.Threading.Channels;

namespace Lifecycle.HostMonitoring;

/// <summary>
/// Passes asked of this replica's HostMonitor before its next slice is due: by its shards (one taken or lost:
/// every host wants a pass now) and by the reconcile requests it hears (one host, or every host). Bounded, the
/// oldest dropped: requests that pile up are served by one pass over every host anyway.
/// </summary>
public sealed class PassRequests
{
    private readonly Channel<Guid?> _requests = Channel.CreateBounded<Guid?>(
        new BoundedChannelOptions(64) { FullMode = BoundedChannelFullMode.DropOldest });

    /// <summary>Asks for a pass over every host (<c>null</c>) or over <paramref name="hostId"/> alone.</summary>
    public void Request(Guid? hostId) => _requests.Writer.TryWrite(hostId);

    /// <summary>What the HostMonitor reads: a host id, or null for every host.</summary>
    public ChannelReader<Guid?> Reader => _requests.Reader;
}
