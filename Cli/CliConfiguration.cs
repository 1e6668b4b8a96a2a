using Lifecycle.Core;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Cli;

/// <summary>
/// The control plane's own settings, in its order: its <c>appsettings.json</c>, the file named by
/// <c>LIFECYCLE_SETTINGS</c> (which <c>make run</c> writes), then environment variables such as
/// <c>Lifecycle__Redis__Configuration</c>.
/// </summary>
public static class CliConfiguration
{
    public static IConfiguration Load() => new ConfigurationBuilder()
        .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
        .AddLifecycleSettingsFile()
        .AddEnvironmentVariables()
        .Build();
}
