namespace Lifecycle.Consumers;

/// <summary>What became of one stream entry.</summary>
public enum ApplyOutcome
{
    /// <summary>The compare-and-set held: the row moved and history has the event.</summary>
    Applied,

    /// <summary>The row had moved on (status or version); nothing was written.</summary>
    Stale,

    /// <summary>History already has this event id (a redelivery); nothing was written.</summary>
    Duplicate,

    /// <summary>A <c>*.requested</c> event: the API applied it before answering; the entry is history only.</summary>
    AppliedByApi,

    /// <summary>Unreadable or illegal; moved to the dead-letter stream with the reason.</summary>
    DeadLettered,
}
