using System.Diagnostics;

namespace Lifecycle.Tests.OpenApi;

/// <summary>
/// The npm tools of <c>tools/openapi</c> (installed by <c>scripts/install-deps.sh</c>, which <c>make test</c> runs),
/// each run as a process with a deadline, in a work folder of its own inside that folder so that the tools'
/// packages resolve from it.
/// </summary>
public sealed class OpenApiTools : IDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(2);

    private OpenApiTools(string folder, string work)
    {
        Folder = folder;
        Work = work;
    }

    /// <summary><c>tools/openapi</c>.</summary>
    public string Folder { get; }

    /// <summary>A folder for this use only, removed on disposal.</summary>
    public string Work { get; }

    /// <summary>The tools, or a failed assertion that says how to install them.</summary>
    public static OpenApiTools Open()
    {
        var folder = Path.Combine(LocalServers.RepositoryRoot(), "tools", "openapi");
        foreach (var tool in new[] { "redocly", "openapi-typescript", "tsc" })
        {
            Assert.That(File.Exists(Path.Combine(folder, "node_modules", ".bin", tool)), Is.True,
                $"{tool} is not installed in {folder}: run scripts/install-deps.sh (make test runs it), which installs node and npm when missing and then the tools with npm ci.");
        }
        var work = Path.Combine(folder, ".check", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        return new OpenApiTools(folder, work);
    }

    /// <summary>Runs a tool of <c>node_modules/.bin</c> in <see cref="Work"/>; returns its exit code and everything it printed.</summary>
    public async Task<(int ExitCode, string Output)> RunAsync(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(Folder, "node_modules", ".bin", tool))
        {
            WorkingDirectory = Work,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // No usage reports and no update checks: the tests talk to nothing outside this machine.
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{tool} {string.Join(' ', arguments)} did not finish within {Deadline.TotalSeconds:0} s.");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose() => Directory.Delete(Work, recursive: true);
}
