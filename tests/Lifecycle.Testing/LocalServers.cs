using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Lifecycle.Testing;

/// <summary>
/// A throwaway Redis and Postgres of one's own, run by <c>scripts/servers.sh</c> on free ports in
/// a temporary folder. Either can be stopped and started again, for outage tests. Shared by the
/// tests and the benchmarks (linked into both).
/// </summary>
public sealed class LocalServers : IAsyncDisposable
{
    private readonly string _dir;
    private readonly int _redisPort;
    private readonly int _postgresPort;
    private readonly PostgresDurability _durability;

    private LocalServers(string dir, int redisPort, int postgresPort, PostgresDurability durability, string redis, string postgres)
    {
        _dir = dir;
        _redisPort = redisPort;
        _postgresPort = postgresPort;
        _durability = durability;
        Redis = redis;
        Postgres = postgres;
    }

    /// <summary>The folder the servers live in (servers.sh's DIR), with their pid files.</summary>
    public string DataDirectory => _dir;

    public string Redis { get; }

    public string Postgres { get; }

    /// <param name="durability">
    /// Fast for tests (the default): no fsync, so only an OS crash could lose commits. Full for
    /// benchmarks, whose commits must cost what production's do.
    /// </param>
    public static async Task<LocalServers> StartAsync(PostgresDurability durability = PostgresDurability.Fast)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"lifecycle-test-{Guid.NewGuid():N}");
        // The OS may hand the same free port out twice in a row once the first probe has closed it.
        int redisPort = FreePort(), postgresPort;
        while ((postgresPort = FreePort()) == redisPort)
        {
        }
        var output = await RunAsync(durability, "start", dir, redisPort.ToString(), postgresPort.ToString());
        string? redis = null, postgres = null;
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith("redis=", StringComparison.Ordinal))
            {
                redis = line["redis=".Length..];
            }
            else if (line.StartsWith("postgres=", StringComparison.Ordinal))
            {
                postgres = line["postgres=".Length..];
            }
        }
        if (redis is null || postgres is null)
        {
            throw new InvalidOperationException($"scripts/servers.sh printed no connection strings:\n{output}");
        }
        return new LocalServers(dir, redisPort, postgresPort, durability, redis, postgres);
    }

    /// <summary>Stops one server: "redis" or "postgres".</summary>
    public Task StopAsync(string which) => RunAsync(_durability, "stop", _dir, which);

    /// <summary>Stops one server as a crash would: Postgres by <c>pg_ctl stop -m immediate</c>, Redis by SIGKILL.</summary>
    public Task CrashAsync(string which) => RunAsync(_durability, "crash", _dir, which);

    /// <summary>
    /// Stops Postgres as <c>pg_ctl stop -m immediate</c> does (SIGQUIT to the postmaster): sessions end
    /// at once, as in a crash, and the next start runs crash recovery.
    /// </summary>
    public async Task StopPostgresImmediatelyAsync()
    {
        var pidFile = Path.Combine(_dir, "postgres", "data", "postmaster.pid");
        var pid = int.Parse(File.ReadLines(pidFile).First(), System.Globalization.CultureInfo.InvariantCulture);
        using (var quit = Process.Start("kill", ["-QUIT", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await quit.WaitForExitAsync();
        }
        // Not our child, so polled: gone once /proc no longer has it.
        await Eventually.TrueAsync(() => !Directory.Exists($"/proc/{pid}"), TimeSpan.FromSeconds(30),
            $"postgres (pid {pid}) stops after SIGQUIT", TimeSpan.FromMilliseconds(20));
    }

    /// <summary>SIGSTOP of Redis: it stops answering with its connections open, as a hung or cut-off server does.</summary>
    public Task FreezeRedisAsync() => SignalRedisAsync("STOP");

    /// <summary>SIGCONT of a frozen Redis: it answers again, and runs what it was sent meanwhile.</summary>
    public Task ThawRedisAsync() => SignalRedisAsync("CONT");

    private async Task SignalRedisAsync(string signal)
    {
        var pid = File.ReadAllText(Path.Combine(_dir, "redis", "redis.pid")).Trim();
        using var kill = Process.Start("kill", [$"-{signal}", pid]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed");
        }
    }

    /// <summary>Starts whichever of the two is down; the data of both survives.</summary>
    public Task StartAgainAsync() => RunAsync(_durability, "start", _dir, _redisPort.ToString(), _postgresPort.ToString());

    public async ValueTask DisposeAsync()
    {
        await RunAsync(_durability, "stop", _dir);
        Directory.Delete(_dir, recursive: true);
    }

    private static async Task<string> RunAsync(PostgresDurability durability, params string[] arguments)
    {
        var script = Path.Combine(RepositoryRoot(), "scripts", "servers.sh");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment["LIFECYCLE_PG_FAST"] = durability == PostgresDurability.Fast ? "1" : "0";
        start.ArgumentList.Add(script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{script} {string.Join(' ', arguments)}' failed ({process.ExitCode}). Install the servers with " +
                "'scripts/install-deps.sh' (redis-server, postgresql), or point LIFECYCLE_TEST_REDIS and " +
                $"LIFECYCLE_TEST_POSTGRES at running ones.\n{await stderr}");
        }
        return await stdout;
    }

    /// <summary>The folder holding Lifecycle.sln, found from the running assembly's location.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Lifecycle.sln")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException("Lifecycle.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Where <see cref="FreePort"/> draws from: up to Linux's ephemeral range (read from the kernel).</summary>
    private const int LowestPort = 10_000;

    private static readonly int EphemeralStart = ReadEphemeralStart();

    private static readonly ConcurrentDictionary<int, byte> Handed = new();

    /// <summary>
    /// A loopback port free now, drawn at random from 10000 up to Linux's ephemeral range and never handed
    /// out twice by this process. Not a port the kernel picks (port 0): the kernel hands those out again as
    /// the source port of any outgoing connection, which can take it in the moment between this call and
    /// the child process's bind ("address already in use").
    /// </summary>
    public static int FreePort()
    {
        for (var attempt = 0; attempt < 1_000; attempt++)
        {
            var port = Random.Shared.Next(LowestPort, EphemeralStart);
            if (IsFree(port) && Reserve(port))
            {
                return port;
            }
        }
        throw new InvalidOperationException($"no free port found in {LowestPort}..{EphemeralStart - 1}");
    }

    /// <summary>
    /// Marks a port as handed out by this process, and by every process of the run when
    /// <c>LIFECYCLE_TEST_PORT_CLAIMS</c> names a folder (scripts/test.sh runs two test processes side by side: either
    /// could find a port free that the other has just found free too); false when it already was.
    /// </summary>
    public static bool Reserve(int port) => Handed.TryAdd(port, 0) && ClaimForTheRun(port);

    private static readonly string? PortClaims = Environment.GetEnvironmentVariable("LIFECYCLE_TEST_PORT_CLAIMS") is { Length: > 0 } claims ? claims : null;

    /// <summary>Creating a file that must not exist yet is atomic across processes: the first to create it has the port.</summary>
    private static bool ClaimForTheRun(int port)
    {
        if (PortClaims is null)
        {
            return true;
        }
        try
        {
            using var claim = new FileStream(Path.Combine(PortClaims, port.ToString(CultureInfo.InvariantCulture)), FileMode.CreateNew);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>The first of <paramref name="count"/> consecutive free ports (a balancer and its replicas, the simulator's hosts).</summary>
    public static int FreePortRun(int count)
    {
        for (var attempt = 0; attempt < 50; attempt++)
        {
            var first = FreePort();
            if (first + count <= EphemeralStart && Enumerable.Range(first + 1, count - 1).All(port => IsFree(port) && Reserve(port)))
            {
                return first;
            }
        }
        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }

    private static int ReadEphemeralStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        var first = File.Exists(range) ? File.ReadAllText(range).Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() : null;
        return int.TryParse(first, NumberStyles.Integer, CultureInfo.InvariantCulture, out var start) && start > LowestPort + 1_000 ? start : 32_768;
    }

    /// <summary>Whether nothing listens on the loopback port now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}

/// <summary>How a <see cref="LocalServers"/> Postgres commits (scripts/servers.sh, LIFECYCLE_PG_FAST).</summary>
public enum PostgresDurability
{
    /// <summary>fsync and full_page_writes off, synchronous_commit on: survives a Postgres crash, not an OS crash.</summary>
    Fast,

    /// <summary>Production defaults: survives an OS crash too.</summary>
    Full,
}
