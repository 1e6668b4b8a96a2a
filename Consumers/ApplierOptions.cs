namespace Lifecycle.Consumers;

/// <summary>Bound from <c>Lifecycle:Consumer</c>.</summary>
public sealed class ApplierOptions
{
    public const string Section = "Lifecycle:Consumer";

    /// <summary>Most entries read and applied in one transaction.</summary>
    public int BatchSize { get; set; } = 512;

    /// <summary>Longest an idle consumer waits before reading again when no wake-up arrives.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Wait after a failed iteration (Redis or Postgres unavailable), doubled up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The longest wait between tries during an outage: also how late, at worst, a consumer resumes after it. Two
    /// seconds keep a sandbox's settling within seconds of Redis or Postgres answering again, at a cost of one failed
    /// call per partition every two seconds while they do not.
    /// </summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>On shutdown, how long the batch in hand may take to commit and acknowledge.</summary>
    public TimeSpan ShutdownGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>An entry delivered more often than this goes to the dead-letter stream.</summary>
    public int MaxDeliveries { get; set; } = 5;

    /// <summary>
    /// Besides the claim on taking a partition over: entries pending this long on any consumer (one
    /// that died after a read raced the takeover) are claimed by the owner.
    /// </summary>
    public TimeSpan ClaimMinIdle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often this consumer reclaims, trims and removes idle consumers.</summary>
    public TimeSpan MaintenanceInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Entries younger than this are never trimmed (pending and unread ones never are).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Consumers with nothing pending and idle this long are removed from the group.</summary>
    public TimeSpan RemoveIdleConsumersAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>While Redis or Postgres stays down, the outage is logged at most once per this interval.</summary>
    public TimeSpan OutageLogInterval { get; set; } = TimeSpan.FromSeconds(30);
}
