using System.Diagnostics;
using System.Text.Json;
using Lifecycle.Cli;
using Lifecycle.Core;

namespace Lifecycle.Tests.Cli;

/// <summary>The built tool as a script runs it: settings from the file <c>make run</c> writes and from environment variables, and its exit code.</summary>
public sealed class LifecyclectlProcessTests
{
    [Test]
    public async Task The_tool_reads_the_settings_file_and_environment_and_exits_with_its_code()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var settings = Path.Combine(Path.GetTempPath(), $"lifecycle-{Guid.NewGuid():N}.json");
        // As make run writes it; the key prefix comes from the environment, as it would in a deployment.
        await File.WriteAllTextAsync(settings, JsonSerializer.Serialize(new
        {
            Lifecycle = new
            {
                Postgres = new { ConnectionString = cluster.Database.ConnectionString },
                Redis = new { Configuration = TestServers.Redis },
            },
        }));
        try
        {
            var (exit, output) = await RunAsync(settings, cluster.Prefix, "stuck", "--json");
            var (healthyExit, _) = await RunAsync(settings, cluster.Prefix, "stuck", "--older-than", "1h");

            Assert.That(exit, Is.EqualTo(ExitCodes.Unhealthy), output);
            Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("sandboxes")[0].GetProperty("id").GetString(), Is.EqualTo(cluster.Stuck.ToString()));
            Assert.That(healthyExit, Is.EqualTo(ExitCodes.Ok));
        }
        finally
        {
            File.Delete(settings);
        }
    }

    private static async Task<(int Exit, string Output)> RunAsync(string settingsFile, string prefix, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lifecyclectl.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment[LifecycleSettings.FileVariable] = settingsFile;
        start.Environment["Lifecycle__Streams__KeyPrefix"] = prefix;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
