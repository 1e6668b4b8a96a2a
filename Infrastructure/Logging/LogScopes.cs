using Microsoft.Extensions.Logging;

namespace Lifecycle.Infrastructure.Logging;

/// <summary>
/// Scopes that put the ids of what is being worked on into every log entry written inside them,
/// whichever class writes it (the JSON console log shows them as <c>host_id</c>, <c>sandbox_id</c>).
/// </summary>
public static class LogScopes
{
    public static IDisposable? BeginHostScope(this ILogger logger, Guid hostId, string hostName) =>
        logger.BeginScope(new Dictionary<string, object?> { ["HostId"] = hostId, ["HostName"] = hostName });

    public static IDisposable? BeginOperationScope(this ILogger logger, string operation, Guid sandboxId, Guid? hostId) =>
        logger.BeginScope(new Dictionary<string, object?> { ["Operation"] = operation, ["SandboxId"] = sandboxId, ["HostId"] = hostId });
}
