using System.Diagnostics;
using Dapper;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Hosting;
using Lifecycle.Infrastructure.Streams;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Lifecycle.Tests.Scaling;

/// <summary>
/// The promise after faults, for a whole deployment: every sandbox ends stable and as its host runs it,
/// every partition's group has read and acknowledged everything, nothing was dead-lettered, no VM runs
/// without a row that wants it, and history is exactly-once (versions 0..n-1 per sandbox, the row at n,
/// no event id twice).
/// </summary>
public static class Settlement
{
    /// <summary>Waits until the deployment is quiet and consistent, then checks history; fails with every problem left.</summary>
    public static async Task AssertSettledAsync(ReplicaDeployment deployment, IEnumerable<Guid> accepted, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        IReadOnlyList<string> problems;
        while ((problems = await ProblemsAsync(deployment)).Count > 0 && watch.Elapsed < timeout)
        {
            await Task.Delay(200);
        }
        Assert.That(problems, Is.Empty, $"still unsettled after {timeout.TotalSeconds:F0} s");
        deployment.Note($"settled {watch.Elapsed.TotalSeconds:F1} s after the load stopped");

        await using var conn = deployment.Database.DataSource.CreateConnection();
        var rows = (await conn.QueryAsync<(Guid Id, long Version)>("SELECT id, version FROM sandboxes")).ToDictionary(r => r.Id, r => r.Version);
        Assert.That(accepted.Distinct().Where(id => !rows.ContainsKey(id)), Is.Empty, "every accepted request's sandbox has a row");
        var history = (await conn.QueryAsync<(Guid EventId, Guid SandboxId, long Version)>(
            "SELECT event_id, sandbox_id, version FROM sandbox_transitions")).ToList();
        Assert.That(history.Select(h => h.EventId).Distinct().Count(), Is.EqualTo(history.Count), "no event id applied twice");
        var gaps = history.GroupBy(h => h.SandboxId)
            .Select(g => (Id: g.Key, Versions: g.Select(h => h.Version).Order().ToList()))
            .Where(g => !g.Versions.SequenceEqual(Enumerable.Range(0, g.Versions.Count).Select(v => (long)v))
                || rows.GetValueOrDefault(g.Id, -1) != g.Versions.Count)
            .Select(g => $"{g.Id}: history versions [{string.Join(',', g.Versions)}], row at v{rows.GetValueOrDefault(g.Id, -1)}")
            .ToList();
        Assert.That(gaps, Is.Empty, "versions contiguous per sandbox, one transition per version");
        Assert.That(rows.Keys.Where(id => history.All(h => h.SandboxId != id)).Take(5), Is.Empty, "every row has history");
    }

    /// <summary>What keeps the deployment from being settled now; empty when settled.</summary>
    public static async Task<IReadOnlyList<string>> ProblemsAsync(ReplicaDeployment deployment)
    {
        var problems = new List<string>();
        await using (var conn = deployment.Database.DataSource.CreateConnection())
        {
            var rows = (await conn.QueryAsync<(Guid Id, string Status, Guid? HostId)>("SELECT id, status, host_id FROM sandboxes")).ToList();
            problems.AddRange(rows.Where(r => r.Status is not ("running" or "paused" or "stopped" or "error")).Select(r => $"sandbox {r.Id} is {r.Status}"));
            problems.AddRange(HostMismatches(rows, deployment.Fleet));
        }
        problems.AddRange(await StreamProblemsAsync(deployment.Prefix));
        return problems;
    }

    private static IEnumerable<string> HostMismatches(IReadOnlyList<(Guid Id, string Status, Guid? HostId)> rows, SimulatedFleet fleet)
    {
        var vms = fleet.Hosts.SelectMany(host => host.Snapshot().Values.Select(vm => (HostId: host.HostId, Vm: vm)))
            .ToDictionary(v => Guid.Parse(v.Vm.Id), v => v);
        var byId = rows.ToDictionary(r => r.Id);
        foreach (var row in rows.Where(r => r.Status is "running" or "paused"))
        {
            var want = row.Status == "running" ? SimulatedSandboxState.Running : SimulatedSandboxState.Paused;
            if (!vms.TryGetValue(row.Id, out var vm) || vm.HostId != row.HostId || vm.Vm.State != want)
            {
                yield return $"sandbox {row.Id} is {row.Status}, its host shows {(vm.Vm is null ? "nothing" : vm.Vm.State.ToString())}";
            }
        }
        foreach (var (id, vm) in vms)
        {
            if (!byId.TryGetValue(id, out var row) || row.Status is "stopped" or "error")
            {
                yield return $"orphan VM {id} ({vm.Vm.State}) for a row that is {(byId.ContainsKey(id) ? row.Status : "absent")}";
            }
        }
    }

    /// <summary>Per partition: entries the group has not read yet (lag), read but unacknowledged (pending), or set aside (dead letters).</summary>
    private static async Task<IReadOnlyList<string>> StreamProblemsAsync(string prefix)
    {
        var keys = new StreamKeys(Options.Create(new StreamOptions { KeyPrefix = prefix, Partitions = ReplicaDeployment.Partitions }));
        var db = ScalingCluster.Redis.GetDatabase();
        var problems = new List<string>();
        foreach (var partition in keys.Partitions)
        {
            if (!await db.KeyExistsAsync(partition.Events))
            {
                continue;
            }
            var group = (await db.StreamGroupInfoAsync(partition.Events)).SingleOrDefault(g => g.Name == StreamKeys.ApplierGroup);
            if (group.Name is null)
            {
                problems.Add($"{partition.Events} has no {StreamKeys.ApplierGroup} group");
                continue;
            }
            if (group.PendingMessageCount > 0 || group.Lag is not 0)
            {
                problems.Add($"{partition.Events}: {group.PendingMessageCount} pending, lag {group.Lag?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown"}");
            }
            if (await db.StreamLengthAsync(partition.DeadLetters) is > 0 and var dead)
            {
                problems.Add($"{partition.DeadLetters}: {dead} dead letters");
            }
        }
        return problems;
    }
}
