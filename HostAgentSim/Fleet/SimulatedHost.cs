using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using Grpc.Core;
using Lifecycle.HostAgentSim.Trust;

namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>One simulated host agent: its sandboxes, and knobs that tests turn at run time.</summary>
public sealed class SimulatedHost
{
    private int _latencyMs;
    private double _failureRate;
    private long _callsReceived;
    private long _heartbeatsAccepted;
    private long _reportsAccepted;
    private long _sequence;
    private readonly Channel<HostReport> _reports = Channel.CreateBounded<HostReport>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    // Non-null while frozen; completing it releases the calls held meanwhile.
    private TaskCompletionSource? _frozen;

    // One restart at a time: a second one waits for the first to come back, then goes down again.
    private readonly SemaphoreSlim _restarting = new(1, 1);
    private volatile bool _down;

    // The certificate this agent serves TLS with, and when to renew it (two thirds into its life).
    private X509Certificate2? _certificate;
    private long _renewAtTicks;
    private long _certificatesInstalled;

    internal SimulatedHost(string name, int port, SimulatorOptions options, TimeProvider time)
    {
        Name = name;
        Port = port;
        Address = options.Insecure ? $"http://127.0.0.1:{port}" : $"https://127.0.0.1:{port}";
        LatencyMs = options.LatencyMs;
        FailureRate = options.FailureRate;
        Sandboxes = new SandboxTable(options.TombstoneCapacity, time, options.SnapshotsOffHost);
        MemoryMb = options.HostMemoryMb;
    }

    /// <summary>
    /// The memory its VMs may use, as the host itself counts it: a create or resume that does not fit beside the
    /// running VMs' is refused (RESOURCE_EXHAUSTED). It starts as the capacity it reports; lowering it here, behind the
    /// control plane's back, is a host whose own view differs from what the control plane counted.
    /// </summary>
    public long MemoryMb { get; set; }

    public string Name { get; }

    public int Port { get; }

    /// <summary>The gRPC address: https (mutual TLS), or plaintext http with <c>Simulator:Insecure</c>.</summary>
    public string Address { get; }

    /// <summary>The certificate this agent serves TLS with; null until it has one (until then its handshakes fail).</summary>
    public X509Certificate2? Certificate => Volatile.Read(ref _certificate);

    /// <summary>Certificates installed since start: the first at registration, one more per renewal.</summary>
    public long CertificatesInstalled => Interlocked.Read(ref _certificatesInstalled);

    /// <summary>Whether two thirds of the current certificate's life have passed.</summary>
    internal bool RenewalDue(DateTime now) => Certificate is not null && now.Ticks >= Interlocked.Read(ref _renewAtTicks);

    /// <summary>Serves <paramref name="certificatePem"/> (issued for <paramref name="key"/>) from the next handshake on.</summary>
    internal void Install(string certificatePem, ECDsa key)
    {
        var certificate = HostKeys.Combine(certificatePem, key);
        var now = DateTime.UtcNow;
        Interlocked.Exchange(ref _renewAtTicks, (now + (certificate.NotAfter.ToUniversalTime() - now) * 2 / 3).Ticks);
        // The old one is not disposed: a connection made with it may still be open.
        Volatile.Write(ref _certificate, certificate);
        Interlocked.Increment(ref _certificatesInstalled);
    }

    /// <summary>Delay added to every call before it is answered.</summary>
    public int LatencyMs
    {
        get => Volatile.Read(ref _latencyMs);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            Volatile.Write(ref _latencyMs, value);
        }
    }

    /// <summary>Chance in [0, 1] that a call answers UNAVAILABLE "injected failure" and changes nothing.</summary>
    public double FailureRate
    {
        get => Volatile.Read(ref _failureRate);
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 1.0);
            Volatile.Write(ref _failureRate, value);
        }
    }

    /// <summary>
    /// The status injected failures answer with. UNAVAILABLE (the default) is a dropped call: the caller
    /// cannot know what the host did. A definitive code (FAILED_PRECONDITION, say) is a host that refuses; RESOURCE_EXHAUSTED
    /// is one without room (a create ends stopped for no_capacity, not error).
    /// </summary>
    public StatusCode FailureStatus { get; set; } = StatusCode.Unavailable;

    public bool IsFrozen => Volatile.Read(ref _frozen) is not null;

    /// <summary>Every call received, answered or not; lets benchmarks count retries.</summary>
    public long CallsReceived => Interlocked.Read(ref _callsReceived);

    internal SandboxTable Sandboxes { get; }

    /// <summary>From now on calls are held unanswered until the caller's deadline or <see cref="Unfreeze"/>, and no heartbeat is sent.</summary>
    public void Freeze() =>
        Interlocked.CompareExchange(ref _frozen, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);

    /// <summary>Answers new calls again; calls still held (their caller still waiting) go on as if just received.</summary>
    public void Unfreeze() => Interlocked.Exchange(ref _frozen, null)?.TrySetResult();

    /// <summary>The id the control plane gave this host at registration; null when not registered.</summary>
    public Guid? HostId { get; internal set; }

    /// <summary>The host token from registration, sent with heartbeats.</summary>
    public string? Token { get; internal set; }

    /// <summary>Heartbeats sent and accepted since start.</summary>
    public long HeartbeatsAccepted => Interlocked.Read(ref _heartbeatsAccepted);

    /// <summary>As if the host rebooted and lost its VMs: it answers again, with nothing running.</summary>
    /// <remarks>State only, with no time away; <see cref="RestartAsync"/> also closes the port for a while.</remarks>
    public void RestartEmpty() => Sandboxes.LoseEverything();

    /// <summary>While the agent is away in a <see cref="RestartAsync"/>: its port refuses connections, it neither heartbeats nor reports.</summary>
    public bool IsDown => _down;

    /// <summary>
    /// The host agent goes away and comes back on the same port: connections are refused and open ones cut
    /// for <paramref name="downTime"/>, then it answers again as the same registered host (same id and
    /// token, so heartbeats resume). A restarted agent is not frozen. Returns once it is back.
    /// </summary>
    public async Task RestartAsync(RestartMode mode, TimeSpan downTime, CancellationToken cancellationToken)
    {
        var port = AgentPort ?? throw new InvalidOperationException($"host {Name} has no restartable port");
        await _restarting.WaitAsync(cancellationToken);
        try
        {
            _down = true;
            await port.CloseAsync();
            Unfreeze();
            if (mode == RestartMode.Empty)
            {
                Sandboxes.LoseEverything();
            }
            try
            {
                await Task.Delay(downTime, cancellationToken);
            }
            finally
            {
                // Cancelled (the simulator is stopping) or not, the port must not stay closed.
                await port.OpenAsync();
                _down = false;
            }
        }
        finally
        {
            _restarting.Release();
        }
    }

    /// <summary>The port this host's agent listens on, closed and reopened by a restart.</summary>
    internal IAgentPort? AgentPort { get; set; }

    public IReadOnlyDictionary<string, SimulatedSandbox> Snapshot() => Sandboxes.Snapshot();

    public bool TryGet(string sandboxId, [NotNullWhen(true)] out SimulatedSandbox? sandbox) =>
        Sandboxes.TryGet(sandboxId, out sandbox);

    /// <summary>Whether the host still remembers destroying this id.</summary>
    public bool IsDestroyed(string sandboxId) => Sandboxes.IsDestroyed(sandboxId);

    /// <summary>Ids the host paused by itself since it started, as ListSandboxes reports them.</summary>
    public IReadOnlyList<string> AutoPausedIds() => Sandboxes.AutoPausedIds();

    /// <summary>
    /// Pauses a running sandbox as the host's own idle detection would, and reports it to the control plane
    /// unless <paramref name="report"/> is false (a host whose callback got lost); false when unknown or not running.
    /// </summary>
    public bool AutoPause(string sandboxId, bool report = true)
    {
        var paused = Sandboxes.AutoPause(sandboxId);
        if (paused && report)
        {
            Report(sandboxId, HostReport.AutoPaused, Expiry.Idle);
        }
        return paused;
    }

    /// <summary>The sandbox's VM crashes: it is gone, and the host reports the exit; false when unknown.</summary>
    public bool Exit(string sandboxId)
    {
        var exited = Sandboxes.Exit(sandboxId);
        if (exited)
        {
            Report(sandboxId, HostReport.Exited, "crashed");
        }
        return exited;
    }

    /// <summary>Reports the control plane accepted (202) since start.</summary>
    public long ReportsAccepted => Interlocked.Read(ref _reportsAccepted);

    /// <summary>Reports waiting to be sent, oldest first; the oldest are dropped past 10,000.</summary>
    internal ChannelReader<HostReport> Reports => _reports.Reader;

    internal void Report(string sandboxId, string type, string reason) =>
        _reports.Writer.TryWrite(new HostReport(Guid.CreateVersion7(), sandboxId, type, reason, DateTimeOffset.UtcNow, Interlocked.Increment(ref _sequence)));

    internal void CountReport() => Interlocked.Increment(ref _reportsAccepted);

    /// <summary>Holds the call while frozen, then applies the latency.</summary>
    internal async Task DelayCallAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _callsReceived);
        if (Volatile.Read(ref _frozen) is { } frozen)
        {
            await frozen.Task.WaitAsync(cancellationToken);
        }

        var latency = LatencyMs;
        if (latency > 0)
        {
            await Task.Delay(latency, cancellationToken);
        }
    }

    internal void CountHeartbeat() => Interlocked.Increment(ref _heartbeatsAccepted);

    internal bool RollInjectedFailure()
    {
        var rate = FailureRate;
        return rate > 0 && Random.Shared.NextDouble() < rate;
    }
}
