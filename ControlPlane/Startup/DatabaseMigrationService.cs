using Lifecycle.Infrastructure.Store;

namespace Lifecycle.ControlPlane.Startup;

/// <summary>
/// Registered first, so the schema is current before any other service starts and before the
/// server accepts a request.
/// </summary>
public sealed class DatabaseMigrationService(Migrator migrator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => migrator.ApplyAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
