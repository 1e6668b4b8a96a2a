using System.Text.Json;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Lifecycle.ControlPlane.OpenApi;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// A sandbox as the API shows it. <paramref name="ExpiresAt"/> is when the control plane acts on it next (its time to
/// live while it runs, its lifetime's end while paused); <paramref name="StopReason"/> says why it is paused, stopped or
/// error, and is null otherwise.
/// </summary>
[CarriesETag]
public sealed record SandboxResponse(
    Guid Id,
    Guid? HostId,
    [property: OneOf(typeof(SandboxStatuses), nameof(SandboxStatuses.WireNames))] string Status,
    long Version,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    IReadOnlyDictionary<string, string> Metadata,
    string? LastError,
    DateTime? OperationDeadline,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? StartedAt,
    DateTime? ExpiresAt,
    [property: OneOf(typeof(OnTimeouts), nameof(OnTimeouts.WireNames))] string OnTimeout,
    int? MaxLifetimeSec,
    [property: OneOf(typeof(StopReasons), nameof(StopReasons.WireNames))] string? StopReason)
{
    public static SandboxResponse From(SandboxRow row) =>
        new(row.Id, row.HostId, row.Status.ToWire(), row.Version, row.Template, row.Vcpus, row.MemoryMb,
            row.TimeoutSec, JsonSerializer.Deserialize<Dictionary<string, string>>(row.Metadata) ?? [], row.LastError, row.OperationDeadline,
            row.CreatedAt, row.UpdatedAt, row.StartedAt, row.ExpiresAt, row.OnTimeout.ToWire(), row.MaxLifetimeSec, row.StopReason);

    public static string Location(Guid id) => $"/v1/sandboxes/{id}";
}

/// <summary>One page of <c>GET /v1/sandboxes</c>; pass <paramref name="NextCursor"/> back as <c>cursor</c> for the next.</summary>
public sealed record SandboxPage(IReadOnlyList<SandboxResponse> Sandboxes, string? NextCursor);
