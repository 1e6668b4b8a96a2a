namespace Lifecycle.HostAgentSim;

/// <summary>How many simulated hosts to run and how they behave at start.</summary>
/// <remarks>Bound from the "Simulator" configuration section, e.g. --Simulator:HostCount=3.</remarks>
public sealed record SimulatorOptions
{
    public const string SectionName = "Simulator";

    public int HostCount { get; init; } = 1;

    /// <summary>Host i listens on BasePort + i; 0 lets the OS pick a free port for each host.</summary>
    public int BasePort { get; init; }

    public int LatencyMs { get; init; } = 20;

    /// <summary>Chance in [0, 1] that a call answers UNAVAILABLE without touching state.</summary>
    public double FailureRate { get; init; }

    public string NamePrefix { get; init; } = "sim";

    /// <summary>How many destroyed ids each host remembers, so late creates cannot resurrect them.</summary>
    public int TombstoneCapacity { get; init; } = 100_000;

    /// <summary>
    /// Paused sandboxes' snapshots are kept in storage off the host too, so a restart that loses the VMs
    /// keeps them resumable (ListSandboxes lists them as stored snapshots).
    /// </summary>
    public bool SnapshotsOffHost { get; init; }

    /// <summary>How often hosts look for sandboxes past their deadline (or lifetime) to pause or destroy them.</summary>
    public int ExpirySweepMs { get; init; } = 250;

    /// <summary>
    /// The control plane to register with and heartbeat to (e.g. http://127.0.0.1:8080); empty for
    /// none. Registration needs <see cref="AdminKey"/>.
    /// </summary>
    public string ControlPlaneUrl { get; init; } = "";

    public string AdminKey { get; init; } = "";

    public int HeartbeatIntervalMs { get; init; } = 30_000;

    /// <summary>
    /// vCPUs each host lets its sandboxes use (allocatable, after its own share), reported at registration and in
    /// every heartbeat. The default is a large two-socket machine's: 96.
    /// </summary>
    public int HostVcpus { get; init; } = 96;

    /// <summary>Memory in MiB each host lets its sandboxes use, reported likewise; the default is 384 GiB.</summary>
    public int HostMemoryMb { get; init; } = 384 * 1024;

    /// <summary>
    /// The control plane's CA certificate (PEM) that callers' client certificates must chain to; empty to
    /// trust the <c>ca_certificate</c> the registration answers with.
    /// </summary>
    public string CaCertificatePath { get; init; } = "";

    /// <summary>Development only: plaintext HTTP/2 with no certificates, no CSR and no check of callers.</summary>
    public bool Insecure { get; init; }

    /// <summary>
    /// Port of the admin HTTP endpoint (/admin/hosts…) on 127.0.0.1; 0, the default, for none.
    /// No authentication: a dev and test tool, reachable from this machine only.
    /// </summary>
    public int AdminPort { get; init; }

    internal void Validate(bool hasIssuer = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(HostCount, 1, nameof(HostCount));
        ArgumentOutOfRangeException.ThrowIfNegative(BasePort, nameof(BasePort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(BasePort + HostCount - 1, 65_535, nameof(BasePort));
        ArgumentOutOfRangeException.ThrowIfNegative(LatencyMs, nameof(LatencyMs));
        ArgumentOutOfRangeException.ThrowIfNegative(FailureRate, nameof(FailureRate));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(FailureRate, 1.0, nameof(FailureRate));
        ArgumentException.ThrowIfNullOrWhiteSpace(NamePrefix, nameof(NamePrefix));
        ArgumentOutOfRangeException.ThrowIfLessThan(TombstoneCapacity, 1, nameof(TombstoneCapacity));
        ArgumentOutOfRangeException.ThrowIfLessThan(ExpirySweepMs, 1, nameof(ExpirySweepMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(HeartbeatIntervalMs, 1, nameof(HeartbeatIntervalMs));
        ArgumentOutOfRangeException.ThrowIfLessThan(HostVcpus, 1, nameof(HostVcpus));
        ArgumentOutOfRangeException.ThrowIfLessThan(HostMemoryMb, 1, nameof(HostMemoryMb));
        ArgumentOutOfRangeException.ThrowIfNegative(AdminPort, nameof(AdminPort));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(AdminPort, 65_535, nameof(AdminPort));
        if (AdminPort != 0 && BasePort != 0 && AdminPort >= BasePort && AdminPort < BasePort + HostCount)
        {
            throw new ArgumentException($"AdminPort {AdminPort} is one of the hosts' ports", nameof(AdminPort));
        }
        if (ControlPlaneUrl.Length > 0 && (!Uri.TryCreate(ControlPlaneUrl, UriKind.Absolute, out _) || AdminKey.Length == 0))
        {
            throw new ArgumentException("ControlPlaneUrl must be an absolute URL, and AdminKey is needed with it", nameof(ControlPlaneUrl));
        }
        if (!Insecure && ControlPlaneUrl.Length == 0 && !hasIssuer)
        {
            throw new ArgumentException(
                "Without a control plane (ControlPlaneUrl) nothing would issue the hosts their TLS certificates: set Insecure=true for plaintext", nameof(ControlPlaneUrl));
        }
    }
}
