using Lifecycle.ControlPlane.Api;

namespace Lifecycle.ControlPlane.Timeouts;

/// <summary>The body of <c>POST /v1/sandboxes/{id}/timeout</c>: the new time to live, from now.</summary>
public sealed record SetTimeoutRequest(int? TimeoutSec = null) : IValidatable
{
    public string? Validate() =>
        TimeoutSec is not { } seconds || seconds is < 1 or > CreateSandboxRequest.MaxTimeoutSec
            ? $"timeout_sec is required: the sandbox's time to live from now, 1 to {CreateSandboxRequest.MaxTimeoutSec} seconds."
            : null;
}

/// <summary>The body of <c>POST /v1/sandboxes/{id}/connect</c>, which may be empty: a time to live other than the sandbox's own.</summary>
public sealed record ConnectRequest(int? TimeoutSec = null) : IValidatable
{
    public string? Validate() =>
        TimeoutSec is < 1 or > CreateSandboxRequest.MaxTimeoutSec
            ? $"timeout_sec must be 1 to {CreateSandboxRequest.MaxTimeoutSec} seconds, or absent for the sandbox's own timeout_sec."
            : null;
}
