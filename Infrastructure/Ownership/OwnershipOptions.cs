namespace Lifecycle.Infrastructure.Ownership;

/// <summary>Bound from <c>Lifecycle:Ownership</c>.</summary>
public sealed class OwnershipOptions
{
    public const string Section = "Lifecycle:Ownership";

    /// <summary>
    /// A lease's length. A replica cut off from Postgres stops working its slots before this has passed
    /// since its last renewal, and another takes them after it; a killed replica's are taken at once
    /// (its membership session ends with it).
    /// </summary>
    public TimeSpan LeasePeriod { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often a replica renews, takes and gives up leases (at most a third of the lease period):
    /// a killed replica's slots are taken within this time, and joining or leaving rebalances within it.
    /// </summary>
    public TimeSpan RenewPeriod { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a slot's work may take to stop when the slot goes to another replica.</summary>
    public TimeSpan ReleaseGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The renew period actually used: never more than a third of the lease period.</summary>
    public TimeSpan EffectiveRenewPeriod => RenewPeriod < LeasePeriod / 3 ? RenewPeriod : LeasePeriod / 3;
}
