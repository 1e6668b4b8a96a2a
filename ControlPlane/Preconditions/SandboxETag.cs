using System.Globalization;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Preconditions;

/// <summary>
/// A sandbox's entity tag (docs/contract.md, "Preconditions"): its version, which every transition moves, and its time
/// to live, which a timeout or connect call moves without a transition. Whatever a client can see change changes it.
/// </summary>
public static class SandboxETag
{
    public static string Of(SandboxRow row)
    {
        var expires = row.ExpiresAt is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)).ToUnixTimeMilliseconds() : 0;
        return string.Create(CultureInfo.InvariantCulture, $"\"{row.Version}-{expires}-{row.TimeoutSec}\"");
    }
}
