using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Lifecycle.Tests.Operability;

namespace Lifecycle.Tests.Docs;

/// <summary>
/// Runs the README's walk-through as written in one bash shell against a <c>make run</c>
/// (scripts/run-dev.sh), one control plane or several behind the balancer, and checks every answer
/// against the comment that promises it. The only rewrites are the ports (<c>localhost:8080</c> and the
/// first host's <c>9101</c>) and the path of <c>./lifecyclectl</c>, since the shell works in a scratch
/// folder where the keys and CSRs it makes land.
/// </summary>
public static class WalkthroughRun
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan WalkDeadline = TimeSpan.FromMinutes(4);

    /// <summary>The steps of the README's "Walk-through" section.</summary>
    public static async Task<IReadOnlyList<WalkthroughStep>> StepsAsync()
    {
        var readme = await File.ReadAllTextAsync(Path.Combine(LocalServers.RepositoryRoot(), "README.md"));
        return ReadmeWalkthrough.Parse(readme, "## Walk-through", "## Fault tests");
    }

    /// <summary>
    /// Waits until a person would start (the three simulated hosts online), walks, and returns what went
    /// wrong: one text per command whose answer is not the promised one; empty when all is as written.
    /// </summary>
    public static async Task<List<string>> WalkAsync(IReadOnlyList<WalkthroughStep> steps, RunDevScript run)
    {
        await WaitForThreeOnlineHostsAsync(run.HttpPort);
        var scratch = Directory.CreateTempSubdirectory("lifecycle-walkthrough-");
        try
        {
            return await WalkInAsync(steps, run, scratch.FullName);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }

    /// <summary>Runs every step in one shell, each one's output and exit status kept apart; returns what went wrong.</summary>
    private static async Task<List<string>> WalkInAsync(IReadOnlyList<WalkthroughStep> steps, RunDevScript run, string scratch)
    {
        var rewritten = steps.Select(step => step with { Command = Rewrite(step.Command, run), Answer = Rewrite(step.Answer, run) }).ToList();
        var script = new StringBuilder();
        for (var i = 0; i < rewritten.Count; i++)
        {
            script.Append("{\n").Append(rewritten[i].Command).Append(CultureInfo.InvariantCulture, $"\n}} > out/{i} 2>&1\necho $? > out/{i}.rc\n");
        }
        Directory.CreateDirectory(Path.Combine(scratch, "out"));
        await File.WriteAllTextAsync(Path.Combine(scratch, "walk.sh"), script.ToString());

        var start = new ProcessStartInfo("bash", ["walk.sh"]) { WorkingDirectory = scratch, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["LIFECYCLE_STATE_DIR"] = run.StateDir;
        start.Environment["LIFECYCLE_BIN_DIR"] = AppContext.BaseDirectory;
        using var shell = Process.Start(start)!;
        var stderr = shell.StandardError.ReadToEndAsync();
        await shell.StandardOutput.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(WalkDeadline))
        {
            try
            {
                await shell.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException)
            {
                shell.Kill(entireProcessTree: true);
            }
        }

        var failures = new List<string>();
        for (var i = 0; i < rewritten.Count; i++)
        {
            var step = rewritten[i];
            var status = Path.Combine(scratch, "out", $"{i}.rc");
            var output = File.Exists(Path.Combine(scratch, "out", $"{i}")) ? await File.ReadAllTextAsync(Path.Combine(scratch, "out", $"{i}")) : "";
            var wrong = File.Exists(status)
                ? ReadmeWalkthrough.Check(step, output, int.Parse((await File.ReadAllTextAsync(status)).Trim(), CultureInfo.InvariantCulture))
                : [$"never finished (the walk-through has {WalkDeadline.TotalMinutes} minutes)"];
            if (wrong.Count > 0)
            {
                failures.Add($"README line {step.Line}: {step.Command}\n  promised: {step.Answer}\n  wrong: {string.Join("; ", wrong)}\n  output: {output}");
            }
        }
        var errors = await stderr;
        if (failures.Count > 0 && errors.Length > 0)
        {
            failures.Add($"the shell's own errors: {errors}");
        }
        return failures;
    }

    private static string Rewrite(string text, RunDevScript run) => text
        .Replace("localhost:8080", $"localhost:{run.HttpPort}", StringComparison.Ordinal)
        .Replace("127.0.0.1:9101", $"127.0.0.1:{run.SimBasePort}", StringComparison.Ordinal)
        .Replace("./lifecyclectl", Path.Combine(LocalServers.RepositoryRoot(), "lifecyclectl"), StringComparison.Ordinal);

    /// <summary>The walk-through begins when a person would: the banner printed and the three simulated hosts online.</summary>
    private static async Task WaitForThreeOnlineHostsAsync(int port)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "dev-admin-key");
        await Eventually.TrueAsync(async () =>
        {
            using var hosts = await http.GetFromJsonAsync<JsonDocument>("/v1/hosts");
            return hosts!.RootElement.GetProperty("hosts").EnumerateArray().Count(h => h.GetProperty("status").GetString() == "online") == 3;
        }, StartDeadline, "three simulated hosts online");
    }
}
