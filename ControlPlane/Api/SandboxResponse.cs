using System.Text.Json;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Api;

/// <summary>
/// A sandbox as the API shows it. <paramref name="ExpiresAt"/> is when the control plane acts on it next (its time to
/// live while it runs, its lifetime's end while paused); <paramref name="StopReason"/> says why it is paused, stopped or
/// error, and is null otherwise.
/// </summary>
public sealed record SandboxResponse(
    Guid Id,
    Guid? HostId,
    string Status,
    long Version,
    string Template,
    int Vcpus,
    int MemoryMb,
    int TimeoutSec,
    JsonElement Metadata,
    string? LastError,
    DateTime? OperationDeadline,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? StartedAt,
    DateTime? ExpiresAt,
    string OnTimeout,
    int? MaxLifetimeSec,
    string? StopReason)
{
    public static SandboxResponse From(SandboxRow row)
    {
        using var metadata = JsonDocument.Parse(row.Metadata);
        return new SandboxResponse(row.Id, row.HostId, row.Status.ToWire(), row.Version, row.Template, row.Vcpus, row.MemoryMb,
            row.TimeoutSec, metadata.RootElement.Clone(), row.LastError, row.OperationDeadline, row.CreatedAt,
            row.UpdatedAt, row.StartedAt, row.ExpiresAt, row.OnTimeout.ToWire(), row.MaxLifetimeSec, row.StopReason);
    }

    public static string Location(Guid id) => $"/v1/sandboxes/{id}";
}

/// <summary>One page of <c>GET /v1/sandboxes</c>; pass <paramref name="NextCursor"/> back as <c>cursor</c> for the next.</summary>
public sealed record SandboxPage(IReadOnlyList<SandboxResponse> Sandboxes, string? NextCursor);
