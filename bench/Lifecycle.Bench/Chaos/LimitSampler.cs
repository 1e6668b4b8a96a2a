using System.Diagnostics;
using Dapper;
using Npgsql;

namespace Lifecycle.Bench.Chaos;

/// <summary>One reading of the limits: running sandboxes overdue on online hosts, and the soak team's active count.</summary>
public sealed record LimitSample(double AtMs, IReadOnlyList<(Guid Id, double OverdueSeconds)> Overdue, long Active);

/// <summary>One reading of what a host's running VMs take, as the host itself reports it.</summary>
public sealed record HostUseSample(double AtMs, string Host, long RunningVcpus, long RunningMemoryMb);

/// <summary>
/// Reads Postgres every second while the soak runs, with a plain connection of its own: every running sandbox on an
/// online host whose <c>expires_at</c> passed more than <see cref="OverdueBound"/> ago, and the soak team's active
/// sandboxes as its quota counts them; and every host's running VMs as the simulator's admin endpoint reports them. The
/// checker then holds invariants 8, 9 and 10 to these readings.
/// </summary>
public sealed class LimitSampler(string postgres, Stopwatch clock, Guid teamId, SimulatorAdmin hosts)
{
    /// <summary>
    /// How late the control plane may act on an expiry: the host's grace (2 s), the evictor's interval (1 s), the
    /// operation deadline (15 s), one HostMonitor interval (5 s) and a lease period (5 s) for a shard handed over.
    /// </summary>
    public static readonly TimeSpan OverdueBound = TimeSpan.FromSeconds(28);

    private readonly List<LimitSample> _samples = [];
    private readonly List<HostUseSample> _hostUse = [];

    public IReadOnlyList<HostUseSample> HostUse
    {
        get
        {
            lock (_hostUse)
            {
                return [.. _hostUse];
            }
        }
    }

    public IReadOnlyList<LimitSample> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            // The hosts first: the simulator is up through every fault but its own restarts (null then).
            var at = clock.Elapsed.TotalMilliseconds;
            var use = (await hosts.HostsAsync() ?? []).Select(h => new HostUseSample(at, h.Name, h.RunningVcpus, h.RunningMemoryMb)).ToList();
            lock (_hostUse)
            {
                _hostUse.AddRange(use);
            }
            try
            {
                await using var connection = new NpgsqlConnection(postgres);
                await connection.OpenAsync(stop);
                var overdue = (await connection.QueryAsync<(Guid, double)>(new CommandDefinition("""
                    SELECT s.id, extract(epoch FROM now() - s.expires_at)::float8
                      FROM sandboxes s JOIN hosts h ON h.id = s.host_id
                     WHERE s.status = 'running' AND h.status = 'online' AND s.expires_at < now() - @Bound
                    """, new { Bound = OverdueBound }, cancellationToken: stop))).ToList();
                var active = await connection.ExecuteScalarAsync<long>(new CommandDefinition("""
                    SELECT count(*) FROM sandboxes s
                     WHERE s.team_id = @TeamId
                       AND COALESCE(CASE WHEN s.status = 'missing' THEN s.lost_from ELSE s.status END IN ('starting', 'running', 'pausing', 'resuming'), false)
                    """, new { TeamId = teamId }, cancellationToken: stop));
                lock (_samples)
                {
                    _samples.Add(new LimitSample(clock.Elapsed.TotalMilliseconds, overdue, active));
                }
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                // Postgres is one of the faults; a reading missed is a reading missed.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            try
            {
                await Task.Delay(1000, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}

/// <summary>What invariants 8 and 9 are checked against: the sampler's readings, the team's quota, and the faults of the run.</summary>
public sealed record LimitFacts(LimitSampler Sampler, int ActiveQuota)
{
    public IReadOnlyList<FaultRecord> Faults { get; init; } = [];
}
