namespace Lifecycle.Infrastructure.Ownership;

/// <summary>One slot this replica holds: its lease's fence, and the work running for it.</summary>
internal sealed class SlotHolding(long fence, CancellationTokenSource owned, Task work)
{
    public long Fence { get; } = fence;

    public Task Work { get; } = work;

    /// <summary>Set when the slot is being handed over: its work was asked to stop, the lease is kept until it has.</summary>
    public DateTimeOffset? ReleasingSince { get; private set; }

    public void StopForHandover(DateTimeOffset now)
    {
        ReleasingSince ??= now;
        owned.Cancel();
    }

    /// <summary>The lease is gone: stop at once, nothing to give up.</summary>
    public void Stop() => owned.Cancel();
}
