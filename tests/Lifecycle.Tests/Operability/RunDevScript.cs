using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace Lifecycle.Tests.Operability;

/// <summary>
/// <c>make run</c> (scripts/run-dev.sh) as a child process of a test: a temporary state dir, free ports,
/// and the control plane and simulator this test project built. Keeps every line the script prints;
/// disposing stops whatever is left (the script, the processes named by its pid files, the servers)
/// and removes the state dir.
/// </summary>
public sealed class RunDevScript : IAsyncDisposable
{
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(40);
    private readonly ConcurrentQueue<string> _output = new();

    private RunDevScript(string stateDir, int httpPort)
    {
        StateDir = stateDir;
        HttpPort = httpPort;
    }

    public string StateDir { get; }

    /// <summary>The API port: the control plane's with one replica, HAProxy's with several.</summary>
    public int HttpPort { get; }

    public Process Script { get; private set; } = null!;

    /// <summary>Every port the script was told to use: API, Redis, Postgres, the simulator's hosts and admin.</summary>
    public IReadOnlyList<int> Ports { get; private set; } = [];

    public IReadOnlyCollection<string> Output => _output;

    /// <summary>The first simulated host's gRPC port (the others follow it).</summary>
    public int SimBasePort { get; private set; }

    /// <param name="environment">Extra variables, e.g. <c>LIFECYCLE_REPLICAS</c>.</param>
    /// <param name="httpPorts">Consecutive free ports from the API port up (a balancer and its replicas).</param>
    /// <param name="redisPort">The single Redis's port or a cluster's first; a free port when null.</param>
    /// <param name="throughTee">Run it as <c>make run 2>&amp;1 | tee run.log</c> in a terminal does: a pipeline
    /// (<c>setsid env --default-signal bash -c 'run-dev.sh 2>&amp;1 | tee LOG'</c>) in a process group of its own,
    /// whose id is <see cref="Script"/>'s pid, for <see cref="SignalGroupAsync"/>, with every signal at its
    /// default as in a terminal, whatever this test run inherited.</param>
    public static RunDevScript Start(IReadOnlyDictionary<string, string> environment, int httpPorts = 1, int? redisPort = null, bool throughTee = false)
    {
        var run = new RunDevScript(Path.Combine(Path.GetTempPath(), $"lifecycle-run-{Guid.NewGuid():N}"), LocalServers.FreePortRun(httpPorts));
        var script = Path.Combine(LocalServers.RepositoryRoot(), "scripts", "run-dev.sh");
        var start = new ProcessStartInfo(throughTee ? "setsid" : "bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = LocalServers.RepositoryRoot(),
        };
        if (throughTee)
        {
            // A terminal's foreground job starts with every signal at its default. This test run may not
            // have them so (started in the background of a non-interactive shell, SIGINT is ignored; under
            // nohup, SIGHUP), and a signal ignored on entry can be neither trapped nor reset by the script.
            start.ArgumentList.Add("env");
            start.ArgumentList.Add("--default-signal");
            // The tee log sits beside the state dir, not in it: the script makes the state dir itself.
            start.ArgumentList.Add("bash");
            start.ArgumentList.Add("-c");
            start.ArgumentList.Add("\"$0\" 2>&1 | tee \"$1\"");
            start.ArgumentList.Add(script);
            start.ArgumentList.Add(run.StateDir + ".tee.log");
        }
        else
        {
            start.ArgumentList.Add(script);
        }
        var ports = new[] { LocalServers.FreePort(), redisPort ?? LocalServers.FreePort(), LocalServers.FreePort(), LocalServers.FreePortRun(3) };
        var (adminPort, redis, postgres, simBase) = (ports[0], ports[1], ports[2], ports[3]);
        run.SimBasePort = simBase;
        run.Ports = [.. Enumerable.Range(run.HttpPort, httpPorts), redis, postgres, simBase, simBase + 1, simBase + 2, adminPort];
        start.Environment["LIFECYCLE_STATE_DIR"] = run.StateDir;
        start.Environment["LIFECYCLE_HTTP_PORT"] = Invariant(run.HttpPort);
        start.Environment["LIFECYCLE_REDIS_PORT"] = Invariant(redis);
        start.Environment["LIFECYCLE_POSTGRES_PORT"] = Invariant(postgres);
        start.Environment["LIFECYCLE_SIM_BASE_PORT"] = Invariant(simBase);
        start.Environment["LIFECYCLE_SIM_ADMIN_PORT"] = Invariant(adminPort);
        start.Environment["LIFECYCLE_PG_FAST"] = "1";
        // This project's output holds both ControlPlane.dll and HostAgentSim.dll: no Release build needed.
        start.Environment["LIFECYCLE_SKIP_BUILD"] = "1";
        start.Environment["LIFECYCLE_BIN_DIR"] = AppContext.BaseDirectory;
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        run.Script = Process.Start(start)!;
        run.Script.OutputDataReceived += (_, e) => run.Keep(e.Data);
        run.Script.ErrorDataReceived += (_, e) => run.Keep(e.Data);
        run.Script.BeginOutputReadLine();
        run.Script.BeginErrorReadLine();
        return run;
    }

    public bool Printed(string fragment) => _output.Any(line => line.Contains(fragment, StringComparison.Ordinal));

    /// <summary>The pid in a pid file of the state dir, e.g. <c>sim</c> or <c>replicas/replica-2</c>; null when there is none.</summary>
    public int? ReadPid(string name)
    {
        var file = Path.Combine(StateDir, $"{name}.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    /// <summary>Every pid file under the state dir, the servers' included, with the pid it holds.</summary>
    public IReadOnlyDictionary<string, int> AllPids() =>
        Directory.EnumerateFiles(StateDir, "*.pid", SearchOption.AllDirectories)
            .Where(file => !file.EndsWith("postmaster.pid", StringComparison.Ordinal))
            .Select(file => (file, text: File.ReadAllText(file).Trim()))
            .Where(pair => int.TryParse(pair.text, CultureInfo.InvariantCulture, out _))
            .ToDictionary(pair => Path.GetRelativePath(StateDir, pair.file), pair => int.Parse(pair.text, CultureInfo.InvariantCulture));

    /// <summary>SIGTERM to the script; whether it ended within the deadline.</summary>
    public async Task<bool> TerminateAsync()
    {
        await SignalAsync(Script.Id, "TERM");
        using var cancel = new CancellationTokenSource(StopDeadline);
        try
        {
            await Script.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>A signal to the script's whole process group, as a terminal sends Ctrl-C or a hang-up.</summary>
    public Task SignalGroupAsync(string signal) => CommandLine.RunAsync("kill", [$"-{signal}", "--", $"-{Invariant(Script.Id)}"]);

    /// <summary>
    /// Whether this process ignores the signal (<c>INT</c>, <c>TERM</c>, <c>HUP</c>), as it does when it inherited
    /// that: from a background job of a non-interactive shell (SIGINT), or from nohup (SIGHUP).
    /// </summary>
    public static bool IgnoredHere(string signal)
    {
        var number = signal switch
        {
            "HUP" => 1,
            "INT" => 2,
            "TERM" => 15,
            _ => throw new ArgumentOutOfRangeException(nameof(signal), signal, "not a signal these tests send"),
        };
        var mask = File.ReadLines("/proc/self/status").First(line => line.StartsWith("SigIgn:", StringComparison.Ordinal))["SigIgn:".Length..].Trim();
        return (ulong.Parse(mask, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (number - 1))) != 0;
    }

    /// <summary>Whether something listens on a TCP port of this machine (/proc/net/tcp and tcp6, state 0A).</summary>
    public static bool Listening(int port)
    {
        var local = $":{port:X4}";
        return new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).SelectMany(File.ReadLines).Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Any(fields => fields.Length > 3 && fields[1].EndsWith(local, StringComparison.Ordinal) && fields[3] == "0A");
    }

    public async ValueTask DisposeAsync()
    {
        if (!Script.HasExited && !await TerminateAsync())
        {
            Script.Kill(entireProcessTree: true);
        }
        Script.Dispose();
        if (Directory.Exists(StateDir))
        {
            foreach (var (name, pid) in AllPids())
            {
                // The servers are servers.sh's to stop; a process that ended meanwhile makes kill fail.
                if (!name.StartsWith("redis", StringComparison.Ordinal) && name != "postgres.pid" && IsRunning(pid))
                {
                    try
                    {
                        await SignalAsync(pid, "KILL");
                    }
                    catch (InvalidOperationException)
                    {
                    }
                }
            }
            await CommandLine.RunAsync("bash", [Path.Combine(LocalServers.RepositoryRoot(), "scripts", "servers.sh"), "stop", StateDir]);
            Directory.Delete(StateDir, recursive: true);
        }
        File.Delete(StateDir + ".tee.log");
    }

    /// <summary>Alive and not a zombie (a daemon's parent here may never reap it).</summary>
    public static bool IsRunning(int pid)
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

    public static Task SignalAsync(int pid, string signal) => CommandLine.RunAsync("kill", [$"-{signal}", Invariant(pid)]);

    private void Keep(string? line)
    {
        if (line is not null)
        {
            _output.Enqueue(line);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
