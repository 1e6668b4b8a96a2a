using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace Lifecycle.Bench.Chaos;

/// <summary>
/// Runs the fault schedule against the stack, one fault at a time, each logged with when it began and
/// ended; after each, how long until the stream's backlog drained (nothing pending, no lag).
/// Host faults go through the simulator's admin endpoint; the cluster's own faults are <see cref="ClusterFaults"/>.
/// </summary>
public sealed class FaultInjector(IChaosStack stack, RunLog log, Stopwatch clock, SimulatorAdmin admin, StreamProbe probe)
{
    private readonly ClusterFaults? _cluster = stack is ChaosClusterStack cluster ? new ClusterFaults(cluster, probe) : null;

    /// <summary>The single topology's own stack (its control plane, consumer and Redis faults).</summary>
    private ChaosStack Single => (ChaosStack)stack;

    /// <summary>Partitions whose Redis master was killed so far (a failover may have lost their latest entries).</summary>
    public IReadOnlySet<int> FailedOverPartitions => _cluster?.FailedOverPartitions ?? new HashSet<int>();

    public async Task RunAsync(IReadOnlyList<PlannedFault> plan, TimeSpan loadStart, TimeSpan duration, CancellationToken stop)
    {
        for (var i = 0; i < plan.Count && !stop.IsCancellationRequested; i++)
        {
            var fault = plan[i];
            if (clock.Elapsed - loadStart >= duration)
            {
                Console.WriteLine($"chaos: {plan.Count - i} faults left out: the load has ended");
                return;
            }
            var wait = loadStart + fault.At - clock.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
            var started = clock.Elapsed.TotalMilliseconds;
            string target, detail;
            try
            {
                (target, detail) = await InjectAsync(fault);
            }
            catch (Exception e) when (e is HttpRequestException or InvalidOperationException or NpgsqlException or TimeoutException or StackExchange.Redis.RedisException)
            {
                (target, detail) = ("-", "the fault itself failed: " + e.Message);
            }
            var record = new FaultRecord(fault.Kind.ToString(), target, started, clock.Elapsed.TotalMilliseconds, detail);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"chaos: {record.StartedMs / 1000,7:F1}s {record.Kind} {target}: {detail}"));
            var next = i + 1 < plan.Count ? loadStart + plan[i + 1].At : clock.Elapsed + TimeSpan.FromSeconds(30);
            var drained = await probe.WaitDrainedAsync(next - clock.Elapsed);
            if (drained)
            {
                record.DrainedAfterMs = clock.Elapsed.TotalMilliseconds - record.EndedMs;
            }
            log.Add(record);
        }
    }

    private double Between(double size, double min, double max) => min + size * (max - min);

    private async Task<(string Target, string Detail)> InjectAsync(PlannedFault fault)
    {
        switch (fault.Kind)
        {
            case FaultKind.ControlPlaneKill:
                Single.KillControlPlane();
                await Single.StartControlPlaneAsync();
                return ("control plane", "kill -9, restarted with the same settings");
            case FaultKind.ConsumerKill:
                return ("consumer", await KillConsumerAsync(fault.Size));
            case FaultKind.RedisKill:
            {
                var down = TimeSpan.FromSeconds(Between(fault.Size, 1, 5));
                await Single.Servers.KillRedisAsync();
                await Task.Delay(down);
                await Single.Servers.StartAgainAsync();
                return ("redis", $"kill -9, down {down.TotalSeconds:F1}s, restarted on its data dir");
            }
            case FaultKind.PostgresCrash:
            {
                var down = TimeSpan.FromSeconds(Between(fault.Size, 1, 6));
                await stack.StopPostgresImmediatelyAsync();
                await Task.Delay(down);
                await stack.StartPostgresAgainAsync();
                return ("postgres", $"stop -m immediate, down {down.TotalSeconds:F1}s, restarted");
            }
            case FaultKind.PostgresLock:
                return ("postgres", await LockSandboxesAsync(TimeSpan.FromSeconds(Between(fault.Size, 2, 6))));
            case FaultKind.ReplicaKill:
                return await _cluster!.KillReplicaAsync(fault.Size);
            case FaultKind.RedisMasterKill:
                return await _cluster!.KillMasterAsync(fault.Size);
            default:
                return await HostFaultAsync(fault);
        }
    }

    /// <summary>Waits (a few seconds at most) until the extra consumer holds pending entries, then kills it.</summary>
    private async Task<string> KillConsumerAsync(double size)
    {
        if (!Single.ConsumerUp)
        {
            await Single.StartConsumerAsync();
        }
        var watch = Stopwatch.StartNew();
        long held = 0;
        while (watch.Elapsed < TimeSpan.FromSeconds(10) && (held = await probe.PendingOfAsync(ChaosStack.ConsumerName)) == 0)
        {
            await Task.Delay(5);
        }
        Single.KillConsumer();
        var atDeath = await probe.PendingOfAsync(ChaosStack.ConsumerName);
        var down = TimeSpan.FromSeconds(Between(size, 2, 15));
        await Task.Delay(down);
        await Single.StartConsumerAsync();
        return string.Create(CultureInfo.InvariantCulture,
            $"kill -9 holding {atDeath} pending (seen {held} just before), restarted after {down.TotalSeconds:F1}s");
    }

    /// <summary>A session holds <c>LOCK TABLE sandboxes IN ACCESS EXCLUSIVE MODE</c>: every read and write of sandboxes waits.</summary>
    private async Task<string> LockSandboxesAsync(TimeSpan hold)
    {
        await using var connection = new NpgsqlConnection(stack.PostgresUnpooled);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var command = new NpgsqlCommand("LOCK TABLE sandboxes IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await command.ExecuteNonQueryAsync();
        }
        await Task.Delay(hold);
        await transaction.RollbackAsync();
        return string.Create(CultureInfo.InvariantCulture, $"sandboxes locked ACCESS EXCLUSIVE for {hold.TotalSeconds:F1}s");
    }

    private async Task<(string Target, string Detail)> HostFaultAsync(PlannedFault fault)
    {
        if (await admin.HostsAsync() is not { Count: > 0 } hosts)
        {
            return ("-", "skipped: the simulator's admin endpoint did not answer");
        }
        var host = hosts[Math.Min(hosts.Count - 1, (int)(fault.Size * hosts.Count))].Name;
        switch (fault.Kind)
        {
            case FaultKind.HostFreeze:
            {
                // Up to 25 s: past the 15 s heartbeat timeout, so its sandboxes go missing and are found again.
                var frozen = TimeSpan.FromSeconds(Between(fault.Size, 3, 25));
                await admin.FreezeAsync(host);
                await Task.Delay(frozen);
                await admin.ThawAsync(host);
                return (host, $"frozen {frozen.TotalSeconds:F1}s, thawed");
            }
            case FaultKind.HostRestartEmpty:
                await admin.RestartAsync(host, "empty", 1000);
                return (host, "restarted empty (its VMs gone), down 1s");
            case FaultKind.HostRestartKeep:
                await admin.RestartAsync(host, "keep", 1000);
                return (host, "agent restarted, VMs kept, down 1s");
            default:
            {
                // Latency above the 5 s RPC timeout half the time: the host does the work, the caller gives up.
                var latency = (int)Between(fault.Size, 200, 8000);
                var failures = Math.Round(Between(1 - fault.Size, 0.2, 0.8), 2);
                var lasting = TimeSpan.FromSeconds(10);
                await admin.FaultsAsync(host, latency, failures);
                await Task.Delay(lasting);
                await admin.FaultsAsync(host, 10, 0);
                return (host, string.Create(CultureInfo.InvariantCulture, $"RPC latency {latency} ms, failure rate {failures} for {lasting.TotalSeconds:F0}s"));
            }
        }
    }
}
