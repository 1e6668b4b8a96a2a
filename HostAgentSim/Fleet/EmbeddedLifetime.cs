namespace Lifecycle.HostAgentSim.Fleet;

/// <summary>Replaces the console lifetime: the fleet lives inside a test or a host that owns Ctrl-C and SIGTERM.</summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
