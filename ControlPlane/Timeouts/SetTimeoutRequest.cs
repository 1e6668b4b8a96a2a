using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Lifecycle.ControlPlane.Api;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>The body of <c>POST /v1/sandboxes/{id}/timeout</c>: the new time to live, from now.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record SetTimeoutRequest([property: Required, Range(1, CreateSandboxRequest.MaxTimeoutSec)] int? TimeoutSec = null) : IValidatable
{
    public string? Validate() =>
        TimeoutSec is not { } seconds || seconds is < 1 or > CreateSandboxRequest.MaxTimeoutSec
            ? $"timeout_sec is required: the sandbox's time to live from now, 1 to {CreateSandboxRequest.MaxTimeoutSec} seconds."
            : null;
}

/// <summary>The body of <c>POST /v1/sandboxes/{id}/connect</c>, which may be empty: a time to live other than the sandbox's own.</summary>
[JsonUnmappedMemberHandling(JsonUnmappedMemberHandling.Disallow)]
public sealed record ConnectRequest([property: Range(1, CreateSandboxRequest.MaxTimeoutSec)] int? TimeoutSec = null) : IValidatable
{
    public string? Validate() =>
        TimeoutSec is < 1 or > CreateSandboxRequest.MaxTimeoutSec
            ? $"timeout_sec must be 1 to {CreateSandboxRequest.MaxTimeoutSec} seconds, or absent for the sandbox's own timeout_sec."
            : null;
}
