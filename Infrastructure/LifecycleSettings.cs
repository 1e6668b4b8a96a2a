using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.EnvironmentVariables;

namespace Lifecycle.Infrastructure;

/// <summary>
/// An optional JSON settings file named by <c>LIFECYCLE_SETTINGS</c>, read by the control plane and
/// by <c>lifecyclectl</c> alike: <c>make run</c> writes one, so the tool finds that run's Redis and
/// Postgres with no flags. It sits above <c>appsettings.json</c> and below environment variables and
/// the command line, so those still override it.
/// </summary>
public static class LifecycleSettings
{
    public const string FileVariable = "LIFECYCLE_SETTINGS";

    public static IConfigurationBuilder AddLifecycleSettingsFile(this IConfigurationBuilder configuration)
    {
        if (Environment.GetEnvironmentVariable(FileVariable) is not { Length: > 0 } path)
        {
            return configuration;
        }
        var file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(path), optional: false, reloadOnChange: false).Sources[0];
        var sources = configuration.Sources;
        // Before the first source that must override it (unprefixed environment variables, then the command line).
        var index = sources.Select((source, i) => (source, i))
            .Where(s => s.source is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            .Select(s => s.i)
            .DefaultIfEmpty(sources.Count)
            .First();
        sources.Insert(index, file);
        return configuration;
    }
}
