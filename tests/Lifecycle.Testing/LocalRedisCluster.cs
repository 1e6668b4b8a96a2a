using System.Globalization;

namespace Lifecycle.Testing;

/// <summary>
/// A throwaway Redis Cluster of one's own: six nodes (three masters, three replicas) run by
/// <c>scripts/servers.sh cluster-start</c> on free ports in a temporary folder, with what a failover
/// test needs: which node serves a key, SIGKILL, SIGSTOP and SIGCONT of a node, a killed node started
/// again, and a wait until every slot is served once more. Shared by the tests and the benchmarks.
/// </summary>
public sealed class LocalRedisCluster : IAsyncDisposable
{
    private const int NodeCount = 6;
    private const int BusPortOffset = 10_000;

    private readonly bool _ownsDirectory;

    private LocalRedisCluster(string dir, IReadOnlyList<int> ports, string configuration, bool ownsDirectory)
    {
        _ownsDirectory = ownsDirectory;
        DataDirectory = dir;
        Ports = ports;
        Configuration = configuration;
    }

    /// <summary>The folder the nodes live in (servers.sh's DIR): node P in <c>redis-cluster/P/</c>.</summary>
    public string DataDirectory { get; }

    /// <summary>The six nodes' ports, consecutive.</summary>
    public IReadOnlyList<int> Ports { get; }

    /// <summary>StackExchange.Redis configuration string: every node, comma-separated.</summary>
    public string Configuration { get; }

    /// <param name="dir">
    /// Where the nodes live; kept after disposal (e.g. a soak's run folder, for its logs). By default a
    /// fresh temporary folder, removed on disposal.
    /// </param>
    public static async Task<LocalRedisCluster> StartAsync(string? dir = null)
    {
        var ownsDirectory = dir is null;
        dir ??= Path.Combine(Path.GetTempPath(), $"lifecycle-cluster-{Guid.NewGuid():N}");
        var first = FreeNodePorts();
        var output = await RunScriptAsync("cluster-start", dir, Invariant(first));
        var configuration = output.Split('\n', StringSplitOptions.TrimEntries)
            .FirstOrDefault(line => line.StartsWith("redis=", StringComparison.Ordinal))?["redis=".Length..]
            ?? throw new InvalidOperationException($"scripts/servers.sh cluster-start printed no node list:\n{output}");
        return new LocalRedisCluster(dir, [.. Enumerable.Range(first, NodeCount)], configuration, ownsDirectory);
    }

    /// <summary><c>redis-cli -p PORT ARGUMENTS…</c> against one node, without following redirects.</summary>
    public async Task<string> CommandAsync(int port, params string[] arguments) =>
        (await CommandLine.RunAsync("timeout", ["5", "redis-cli", "-h", "127.0.0.1", "-p", Invariant(port), .. arguments])).Trim();

    public async Task<int> KeySlotAsync(string key) =>
        int.Parse(await CommandAsync(AnyServingNode(), "CLUSTER", "KEYSLOT", key), CultureInfo.InvariantCulture);

    /// <summary>The cluster as one serving node sees it (after a change, wait until healthy first).</summary>
    public async Task<IReadOnlyList<ClusterNode>> NodesAsync() =>
        ClusterNode.ParseAll(await CommandAsync(AnyServingNode(), "CLUSTER", "NODES"));

    /// <summary>The port of the master that serves the key's slot.</summary>
    public async Task<int> MasterForKeyAsync(string key)
    {
        var slot = await KeySlotAsync(key);
        var nodes = await NodesAsync();
        return nodes.SingleOrDefault(node => node.IsMaster && node.Serves(slot))?.Port
            ?? throw new InvalidOperationException($"no master serves slot {slot} of '{key}'");
    }

    /// <summary>The port of the replica of a master.</summary>
    public async Task<int> ReplicaOfAsync(int masterPort)
    {
        var nodes = await NodesAsync();
        var master = nodes.Single(node => node.Port == masterPort);
        return nodes.FirstOrDefault(node => node.MasterId == master.Id && !node.Failed)?.Port
            ?? throw new InvalidOperationException($"master {masterPort} has no live replica");
    }

    /// <summary>The ports of the masters that hold slots.</summary>
    public async Task<IReadOnlyList<int>> MastersAsync() =>
        [.. (await NodesAsync()).Where(node => node.IsMaster && !node.Failed && node.Slots.Count > 0).Select(node => node.Port).Order()];

    /// <summary>
    /// Until the replica has everything its master has written so far, so that killing the master
    /// loses nothing (replication is asynchronous: an acknowledged write may not have reached it yet).
    /// </summary>
    public async Task WaitUntilReplicatedAsync(int masterPort, TimeSpan timeout)
    {
        var replica = await ReplicaOfAsync(masterPort);
        var written = ReplicationOffset(await CommandAsync(masterPort, "INFO", "replication"), "master_repl_offset");
        await Eventually.TrueAsync(async () => ReplicationOffset(await CommandAsync(replica, "INFO", "replication"), "slave_repl_offset") >= written,
            timeout, $"replica {replica} reaches offset {written} of master {masterPort}", TimeSpan.FromMilliseconds(20));
    }

    /// <summary>SIGKILL: the node crashes. When it was a master, its replica takes over within seconds.</summary>
    public Task KillAsync(int port) => RunScriptAsync("cluster-kill", DataDirectory, Invariant(port));

    /// <summary>Starts a killed node again with its data; a former master rejoins as a replica.</summary>
    public Task RestartAsync(int port) => RunScriptAsync("cluster-revive", DataDirectory, Invariant(port));

    /// <summary>
    /// SIGSTOP: the node stops answering and replicating, as if cut off. Note that a frozen replica still
    /// receives its master's writes into its socket buffer and applies them once thawed; to make writes
    /// reach the master only, also <see cref="DropReplicaLinksAsync"/>.
    /// </summary>
    public Task FreezeAsync(int port) => SignalAsync(port, "STOP");

    /// <summary>SIGCONT: a frozen node runs again.</summary>
    public Task ThawAsync(int port) => SignalAsync(port, "CONT");

    /// <summary>
    /// The master closes its links to its replicas (<c>CLIENT KILL TYPE replica</c>). A replica that is
    /// frozen cannot reconnect, so every write from now on exists on the master alone.
    /// </summary>
    public Task DropReplicaLinksAsync(int masterPort) => CommandAsync(masterPort, "CLIENT", "KILL", "TYPE", "replica");

    /// <summary>
    /// Until every running node says <c>cluster_state:ok</c>, every replica is in sync and all agree that
    /// each slot has a live master (<c>servers.sh cluster-wait</c>). Throws on timeout, saying what is wrong.
    /// </summary>
    public Task WaitUntilHealthyAsync(TimeSpan timeout) =>
        RunScriptAsync("cluster-wait", DataDirectory, Invariant((int)Math.Ceiling(timeout.TotalSeconds)));

    /// <summary>Thaws every frozen node, starts every killed one, and waits until the cluster is healthy.</summary>
    public async Task HealAsync(TimeSpan timeout)
    {
        foreach (var port in Ports)
        {
            switch (State(port))
            {
                case NodeState.Frozen:
                    await ThawAsync(port);
                    break;
                case NodeState.Down:
                    await RestartAsync(port);
                    break;
            }
        }
        await WaitUntilHealthyAsync(timeout);
    }

    public async ValueTask DisposeAsync()
    {
        await RunScriptAsync("stop", DataDirectory, "cluster");
        if (_ownsDirectory)
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private async Task SignalAsync(int port, string signal)
    {
        var pid = Pid(port) ?? throw new InvalidOperationException($"cluster node {port} is not running");
        await CommandLine.RunAsync("kill", [$"-{signal}", Invariant(pid)]);
    }

    private int? Pid(int port)
    {
        var file = Path.Combine(DataDirectory, "redis-cluster", Invariant(port), "redis.pid");
        return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : null;
    }

    private NodeState State(int port)
    {
        try
        {
            var stat = Pid(port) is { } pid ? File.ReadAllText($"/proc/{pid}/stat") : null;
            return (stat?[(stat.LastIndexOf(')') + 2)..][0]) switch
            {
                null or 'Z' or 'X' => NodeState.Down,
                'T' or 't' => NodeState.Frozen,
                _ => NodeState.Serving,
            };
        }
        catch (IOException)
        {
            return NodeState.Down;
        }
    }

    private int AnyServingNode() =>
        Ports.FirstOrDefault(port => State(port) == NodeState.Serving) is var port and > 0
            ? port
            : throw new InvalidOperationException("no cluster node is running");

    private static long ReplicationOffset(string info, string field) =>
        info.Split('\n', StringSplitOptions.TrimEntries)
            .Where(line => line.StartsWith(field + ":", StringComparison.Ordinal))
            .Select(line => long.Parse(line[(field.Length + 1)..], CultureInfo.InvariantCulture))
            .DefaultIfEmpty(-1)
            .First();

    private static async Task<string> RunScriptAsync(params string[] arguments)
    {
        var script = Path.Combine(LocalServers.RepositoryRoot(), "scripts", "servers.sh");
        try
        {
            return await CommandLine.RunAsync("bash", [script, .. arguments]);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException($"{e.Message}\nInstall redis-server and redis-cli with 'scripts/install-deps.sh'.", e);
        }
    }

    /// <summary>
    /// The first of six consecutive ports that are free, with their cluster bus ports (+10000) free too:
    /// what <c>servers.sh cluster-start DIR FIRST_PORT</c> needs. Drawn from 10000..21999, below Linux's
    /// ephemeral range (32768 up), so that neither a node's port nor its bus port is handed to somebody's
    /// outgoing connection in the meantime.
    /// </summary>
    public static int FreeNodePorts()
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var first = Random.Shared.Next(10_000, 22_000);
            var ports = Enumerable.Range(first, NodeCount).SelectMany(port => new[] { port, port + BusPortOffset });
            if (ports.All(port => LocalServers.IsFree(port) && LocalServers.Reserve(port)))
            {
                return first;
            }
        }
        throw new InvalidOperationException($"no {NodeCount} consecutive free ports (and bus ports) found");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private enum NodeState
    {
        Serving,
        Frozen,
        Down,
    }
}
