namespace Lifecycle.Infrastructure.Ownership;

/// <summary>Bound from <c>Lifecycle:Replica</c>.</summary>
public sealed class ReplicaOptions
{
    public const string Section = "Lifecycle:Replica";

    /// <summary>
    /// This replica's name: its consumer name in the <c>appliers</c> group and its name on leases.
    /// Default: host name and process id. Must be unique among live replicas (a second process under a
    /// live name waits until the first is gone); give each replica slot a stable name (<c>replica-1</c>)
    /// so a restarted one takes its leases back at once instead of waiting for them to expire.
    /// </summary>
    public string? Name { get; set; }

    public string ResolveName() =>
        string.IsNullOrWhiteSpace(Name) ? $"{Environment.MachineName}-{Environment.ProcessId}" : Name;
}
