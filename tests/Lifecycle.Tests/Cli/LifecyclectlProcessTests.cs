using System.Diagnostics;
using System.Text.Json;
using Lifecycle.Cli;
using Lifecycle.Infrastructure;

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

    [Test]
    public async Task The_tool_finds_the_settings_make_run_wrote_in_LIFECYCLE_STATE_DIR()
    {
        await using var cluster = await SeededCluster.CreateAsync();
        var stateDir = Directory.CreateTempSubdirectory("lifecycle-state-");
        await File.WriteAllTextAsync(Path.Combine(stateDir.FullName, "lifecycle.json"), JsonSerializer.Serialize(new
        {
            Lifecycle = new
            {
                Postgres = new { ConnectionString = cluster.Database.ConnectionString },
                Redis = new { Configuration = TestServers.Redis },
            },
        }));
        try
        {
            var (exit, output) = await RunWithAsync(new() { [CliConfiguration.StateDirVariable] = stateDir.FullName, ["Lifecycle__Streams__KeyPrefix"] = cluster.Prefix }, "stuck", "--json");

            Assert.That(exit, Is.EqualTo(ExitCodes.Unhealthy), output);
            Assert.That(JsonDocument.Parse(output).RootElement.GetProperty("sandboxes")[0].GetProperty("id").GetString(), Is.EqualTo(cluster.Stuck.ToString()));
        }
        finally
        {
            stateDir.Delete(recursive: true);
        }
    }

    [Test]
    public async Task With_an_empty_state_dir_the_tool_fails_fast_and_says_where_it_looked()
    {
        var stateDir = Directory.CreateTempSubdirectory("lifecycle-state-");
        try
        {
            // Nothing listens on port 1, whatever runs on this machine's default Redis and Postgres ports.
            var started = Stopwatch.StartNew();
            var (exit, output) = await RunWithAsync(new()
            {
                [CliConfiguration.StateDirVariable] = stateDir.FullName,
                ["Lifecycle__Redis__Configuration"] = "127.0.0.1:1",
                ["Lifecycle__Postgres__ConnectionString"] = "Host=127.0.0.1;Port=1;Username=lifecycle;Database=lifecycle",
            }, "hosts");

            Assert.That(exit, Is.EqualTo(ExitCodes.Unreachable), output);
            Assert.That(output, Does.Contain("cannot reach Postgres at 127.0.0.1:1/lifecycle").Or.Contain("cannot reach Redis at 127.0.0.1:1"));
            Assert.That(output, Does.Contain($"the state dir {stateDir.FullName} (LIFECYCLE_STATE_DIR").And.Contain("holds no lifecycle.json"));
            Assert.That(output, Does.Contain("environment variable Lifecycle__Redis__Configuration").And.Contain("environment variable Lifecycle__Postgres__ConnectionString"));
            Assert.That(started.Elapsed, Is.LessThan(TimeSpan.FromSeconds(8)), "a dotnet start and a two-second connect timeout");
        }
        finally
        {
            stateDir.Delete(recursive: true);
        }
    }

    private static Task<(int Exit, string Output)> RunAsync(string settingsFile, string prefix, params string[] args) =>
        RunWithAsync(new() { [LifecycleSettings.FileVariable] = settingsFile, ["Lifecycle__Streams__KeyPrefix"] = prefix }, args);

    private static async Task<(int Exit, string Output)> RunWithAsync(Dictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Remove(LifecycleSettings.FileVariable);
        start.Environment.Remove(CliConfiguration.StateDirVariable);
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lifecyclectl.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output + await error);
    }
}
