using System.Diagnostics.Metrics;

namespace Lifecycle.Infrastructure.Store;

/// <summary>
/// Counts sandboxes moved into paused, stopped or error, by stop reason, wherever the move is applied: by the
/// appliers from the stream, or by the HostMonitor from an outcome recorded in the outbox that the stream has not
/// delivered yet (the appliers then find it applied and count nothing).
/// </summary>
public sealed class SandboxStops : IDisposable
{
    public const string MeterName = "Lifecycle.Sandboxes";

    private readonly Meter _meter;
    private readonly Counter<long> _stopped;

    /// <param name="meterFactory">The host's; a container without metrics (a bare HostMonitor's) gets a meter of its own.</param>
    public SandboxStops(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _stopped = _meter.CreateCounter<long>("lifecycle.sandboxes.stopped", description: "Sandboxes moved into paused, stopped or error, by stop reason");
    }

    /// <summary>The stops among moved rows (<see cref="SandboxStore.TryTransitionAllAsync"/>'s answer): each counted by its reason.</summary>
    public void Count(IEnumerable<(Guid Id, string? StopReason)> moved)
    {
        foreach (var (_, reason) in moved)
        {
            if (reason is not null)
            {
                _stopped.Add(1, new KeyValuePair<string, object?>("reason", reason));
            }
        }
    }

    public void Dispose() => _meter.Dispose();
}
