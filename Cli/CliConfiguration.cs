using Lifecycle.Infrastructure;
using Lifecycle.Infrastructure.Store;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Configuration;

namespace Lifecycle.Cli;

/// <summary>
/// The control plane's own settings, in its order: its <c>appsettings.json</c>, a settings file, then
/// environment variables such as <c>Lifecycle__Redis__Configuration</c>. The settings file is the one
/// <c>LIFECYCLE_SETTINGS</c> names or, without it, the <c>lifecycle.json</c> that <c>make run</c> writes
/// into <c>LIFECYCLE_STATE_DIR</c> (the <c>./lifecyclectl</c> wrapper resolves that as <c>make run</c> does,
/// <c>.run/</c> unless set).
/// </summary>
public static class CliConfiguration
{
    public const string StateDirVariable = "LIFECYCLE_STATE_DIR";

    /// <summary>
    /// Where the connection settings came from, in words, for the message when Redis or Postgres does not
    /// answer; the configuration carries it under this key.
    /// </summary>
    public const string SourceKey = "Lifecycle:Cli:SettingsSource";

    public static IConfiguration Load()
    {
        var stateDir = Environment.GetEnvironmentVariable(StateDirVariable);
        string? missing = null;
        if (Environment.GetEnvironmentVariable(LifecycleSettings.FileVariable) is not { Length: > 0 } && stateDir is { Length: > 0 })
        {
            var file = Path.GetFullPath(Path.Combine(stateDir, "lifecycle.json"));
            if (File.Exists(file))
            {
                Environment.SetEnvironmentVariable(LifecycleSettings.FileVariable, file);
            }
            else
            {
                missing = file;
            }
        }
        var configuration = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true)
            .AddLifecycleSettingsFile()
            .AddEnvironmentVariables()
            .Build();
        configuration[SourceKey] = Describe(missing);
        return configuration;
    }

    private static string Describe(string? missingStateFile)
    {
        var parts = new List<string>();
        if (Environment.GetEnvironmentVariable(LifecycleSettings.FileVariable) is { Length: > 0 } file)
        {
            parts.Add($"settings file {Path.GetFullPath(file)} ({LifecycleSettings.FileVariable})");
        }
        else if (missingStateFile is not null)
        {
            parts.Add($"no settings file: the state dir {Path.GetDirectoryName(missingStateFile)} ({StateDirVariable}, or .run/ for ./lifecyclectl) holds no lifecycle.json");
        }
        else
        {
            parts.Add($"no settings file: neither {LifecycleSettings.FileVariable} nor {StateDirVariable} is set, and no .run/lifecycle.json from make run");
        }
        foreach (var variable in new[] { $"{RedisOptions.Section}:Configuration", $"{PostgresOptions.Section}:ConnectionString" }.Select(k => k.Replace(":", "__", StringComparison.Ordinal)))
        {
            if (Environment.GetEnvironmentVariable(variable) is { Length: > 0 })
            {
                parts.Add($"environment variable {variable}");
            }
        }
        return string.Join("; ", parts);
    }
}
