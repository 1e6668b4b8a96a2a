namespace Lifecycle.HostAgentSim.Admin;

/// <summary>Body of <c>POST /admin/hosts/{name}/faults</c>; a field left out keeps its value.</summary>
internal sealed record FaultsRequest(int? LatencyMs, double? FailureRate)
{
    /// <summary>Why the request cannot be applied, or null when it can.</summary>
    public string? Problem() => this switch
    {
        { LatencyMs: < 0 or > MaxLatencyMs } => $"latency_ms must be between 0 and {MaxLatencyMs}",
        { FailureRate: < 0 or > 1 or double.NaN } => "failure_rate must be between 0 and 1",
        _ => null,
    };

    // Longer than any caller's deadline; past it a frozen host says the same more honestly.
    private const int MaxLatencyMs = 600_000;
}
