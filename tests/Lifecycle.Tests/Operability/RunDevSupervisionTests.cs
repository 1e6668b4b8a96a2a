using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;

namespace Lifecycle.Tests.Operability;

/// <summary>
/// <c>make run</c> (scripts/run-dev.sh) as fault tests use it: every pid in the state dir, a control
/// plane killed with SIGKILL comes back while the simulator, Redis and Postgres keep running, and
/// SIGTERM to the script still stops everything. Runs the script itself, on free ports and a
/// temporary state dir, with the control plane and simulator this test project built.
/// </summary>
[NonParallelizable]
[Category(TestLanes.Processes)]
public sealed class RunDevSupervisionTests
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan RestartDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(40);

    private readonly ConcurrentQueue<string> _output = new();
    private string _stateDir = null!;
    private Process? _script;

    [SetUp]
    public void CreateStateDir() =>
        _stateDir = Path.Combine(Path.GetTempPath(), $"lifecycle-run-{Guid.NewGuid():N}");

    [TearDown]
    public async Task StopWhateverIsLeft()
    {
        if (_script is { HasExited: false })
        {
            await SignalAsync(_script.Id, "TERM");
            if (!await ExitedWithinAsync(_script, StopDeadline))
            {
                _script.Kill(entireProcessTree: true);
            }
        }
        _script?.Dispose();
        foreach (var name in new[] { "control-plane", "sim" })
        {
            if (ReadPid(name) is { } pid && IsRunning(pid))
            {
                await SignalAsync(pid, "KILL");
            }
        }
        await RunAsync("bash", Path.Combine(LocalServers.RepositoryRoot(), "scripts", "servers.sh"), "stop", _stateDir);
        if (Directory.Exists(_stateDir))
        {
            Directory.Delete(_stateDir, recursive: true);
        }
        if (TestContext.CurrentContext.Result.Outcome.Status == NUnit.Framework.Interfaces.TestStatus.Failed)
        {
            TestContext.Out.WriteLine(string.Join('\n', _output));
        }
    }

    [Test]
    public async Task A_killed_control_plane_or_simulator_is_restarted_alone_and_SIGTERM_stops_everything()
    {
        var httpPort = LocalServers.FreePort();
        var adminPort = LocalServers.FreePort();
        _script = StartRunDev(httpPort, adminPort);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };

        await WaitUntilAsync(() => Task.FromResult(_output.Any(line => line.Contains("Lifecycle is running", StringComparison.Ordinal))),
            StartDeadline, "the banner");
        var before = new Dictionary<string, int>();
        foreach (var name in new[] { "control-plane", "sim", "redis", "postgres" })
        {
            before[name] = ReadPid(name) ?? throw new AssertionException($"no {name}.pid in {_stateDir}");
            Assert.That(IsRunning(before[name]), Is.True, $"{name} ({before[name]}) is running");
        }
        Assert.That(await HostsListedAsync(http, adminPort), Is.True, "the simulator's admin endpoint answers");

        await SignalAsync(before["control-plane"], "KILL");

        await WaitUntilAsync(async () => ReadPid("control-plane") is { } pid && pid != before["control-plane"] && await HealthyAsync(http, httpPort),
            RestartDeadline, "a new control plane, healthy");
        Assert.That(IsRunning(before["control-plane"]), Is.False);
        foreach (var name in new[] { "sim", "redis", "postgres" })
        {
            Assert.That(ReadPid(name), Is.EqualTo(before[name]), $"{name} was not restarted");
            Assert.That(IsRunning(before[name]), Is.True, $"{name} still runs");
        }
        Assert.That(await File.ReadAllTextAsync(Path.Combine(_stateDir, "supervisor.log")),
            Does.Contain("control plane exited with status 137; restarting"));
        Assert.That(_output, Has.Some.Contains("control plane exited with status 137; restarting"), "said on stderr too");
        var restarted = ReadPid("control-plane")!.Value;

        // The simulator likewise, its hosts registering again with the restarted control plane.
        await SignalAsync(before["sim"], "KILL");
        await WaitUntilAsync(async () => ReadPid("sim") is { } pid && pid != before["sim"] && await HostsListedAsync(http, adminPort),
            RestartDeadline, "a new simulator answering its admin API");
        Assert.That(ReadPid("control-plane"), Is.EqualTo(restarted), "the control plane was left alone");
        var restartedSim = ReadPid("sim")!.Value;

        await SignalAsync(_script.Id, "TERM");

        Assert.That(await ExitedWithinAsync(_script, StopDeadline), Is.True, "the script ends on SIGTERM");
        foreach (var (name, pid) in before.Append(KeyValuePair.Create("new control-plane", restarted)).Append(KeyValuePair.Create("new sim", restartedSim)))
        {
            Assert.That(IsRunning(pid), Is.False, $"{name} ({pid}) stopped");
        }
        Assert.That(Directory.EnumerateFiles(_stateDir, "*.pid"), Is.Empty, "pid files removed");
    }

    private Process StartRunDev(int httpPort, int adminPort)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = LocalServers.RepositoryRoot(),
        };
        start.ArgumentList.Add(Path.Combine(LocalServers.RepositoryRoot(), "scripts", "run-dev.sh"));
        start.Environment["LIFECYCLE_STATE_DIR"] = _stateDir;
        start.Environment["LIFECYCLE_HTTP_PORT"] = Invariant(httpPort);
        start.Environment["LIFECYCLE_REDIS_PORT"] = Invariant(LocalServers.FreePort());
        start.Environment["LIFECYCLE_POSTGRES_PORT"] = Invariant(LocalServers.FreePort());
        start.Environment["LIFECYCLE_SIM_BASE_PORT"] = Invariant(LocalServers.FreePortRun(3));
        start.Environment["LIFECYCLE_SIM_ADMIN_PORT"] = Invariant(adminPort);
        start.Environment["LIFECYCLE_PG_FAST"] = "1";
        // This project's output holds both ControlPlane.dll and HostAgentSim.dll: no Release build needed.
        start.Environment["LIFECYCLE_SKIP_BUILD"] = "1";
        start.Environment["LIFECYCLE_BIN_DIR"] = AppContext.BaseDirectory;

        var script = Process.Start(start)!;
        script.OutputDataReceived += (_, e) => Keep(e.Data);
        script.ErrorDataReceived += (_, e) => Keep(e.Data);
        script.BeginOutputReadLine();
        script.BeginErrorReadLine();
        return script;
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    private int? ReadPid(string name)
    {
        var file = Path.Combine(_stateDir, $"{name}.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Alive and not a zombie (a daemon's parent here may never reap it).</summary>
    private static bool IsRunning(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var state = stat[(stat.LastIndexOf(')') + 2)..][0];
            return state is not ('Z' or 'X');
        }
        catch (IOException)
        {
            return false;
        }
    }

    private static async Task<bool> HealthyAsync(HttpClient http, int port)
    {
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{port}/healthz");
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    /// <summary>Whether the simulator's admin API lists its three hosts, every one registered.</summary>
    private static async Task<bool> HostsListedAsync(HttpClient http, int adminPort)
    {
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{adminPort}/admin/hosts");
            var body = await response.Content.ReadAsStringAsync();
            return response.StatusCode == HttpStatusCode.OK
                && body.Contains("\"sim-2\"", StringComparison.Ordinal)
                && !body.Contains("\"host_id\":null", StringComparison.Ordinal);
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task SignalAsync(int pid, string signal) => await RunAsync("kill", $"-{signal}", Invariant(pid));

    private static async Task RunAsync(string file, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        await process.WaitForExitAsync();
    }

    private static async Task<bool> ExitedWithinAsync(Process process, TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what) =>
        Eventually.TrueAsync(condition, timeout, what, TimeSpan.FromMilliseconds(200));

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
