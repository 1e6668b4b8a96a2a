using System.Text.Json.Serialization;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;

namespace Lifecycle.Client;

/// <summary>
/// A sandbox as an answer showed it. <see cref="ExpiresAt"/> is when the control plane acts on it next; <see cref="StopReason"/>
/// says why it is paused, stopped or error. <see cref="ETag"/>, <see cref="Accepted"/> and <see cref="Replayed"/> describe the
/// answer itself, not the sandbox.
/// </summary>
public sealed record Sandbox(
    Guid Id,
    Guid? HostId,
    SandboxStatus Status,
    long Version,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    IReadOnlyDictionary<string, string> Metadata,
    string? LastError,
    DateTimeOffset? OperationDeadline,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? ExpiresAt,
    OnTimeout OnTimeout,
    int? MaxLifetimeSec,
    StopReason? StopReason)
{
    /// <summary>The answer's <c>ETag</c> (quotes included), to pass back as <c>ifMatch</c>; null in a list, or from a server that sends none.</summary>
    [JsonIgnore]
    public string? ETag { get; init; }

    /// <summary>The answer was 202 Accepted: a change is under way (a connect answers 200 when the sandbox already runs).</summary>
    [JsonIgnore]
    public bool Accepted { get; init; }

    /// <summary>The answer repeats the first one given to this idempotency key (<c>Idempotent-Replayed: true</c>): nothing new was done.</summary>
    [JsonIgnore]
    public bool Replayed { get; init; }
}

/// <summary>One page of <see cref="LifecycleClient.ListAsync"/>; <see cref="NextCursor"/> asks for the next, null on the last.</summary>
public sealed record SandboxPage(IReadOnlyList<Sandbox> Sandboxes, string? NextCursor);
