using Dapper;
using Lifecycle.Contract.Capacity;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.ControlPlane.Capacity;
using Lifecycle.Infrastructure.Store;

namespace Lifecycle.Tests.Capacity;

/// <summary>
/// What a host's sandboxes hold of its capacity, as a host's row reads it: the sizes of those that may still have a VM
/// there, in one scan with the counts by status.
/// </summary>
public sealed class HostAllocatedTests
{
    [Test]
    public async Task Every_status_that_may_still_have_a_VM_counts_and_paused_and_stopped_do_not()
    {
        await using var database = await TestDatabase.CreateAsync();
        var (teamId, hostId) = await TestData.TeamAndHostAsync(database, "allocated", "allocated-key");
        var store = new SandboxStore(database.DataSource);
        var statuses = Enum.GetValues<SandboxStatus>();
        await using var conn = await database.DataSource.OpenConnectionAsync();
        foreach (var (status, i) in statuses.Select((s, i) => (s, i)))
        {
            // Sizes 2^i, so the sums say exactly which statuses were counted.
            var row = await TestData.CreateStartingAsync(store, teamId);
            await conn.ExecuteAsync("UPDATE sandboxes SET status = @Status, vcpus = @Size, memory_mb = @Size * 1024 WHERE id = @Id",
                new { Status = status.ToWire(), Size = 1 << i, row.Id });
        }

        var host = (await new HostStore(database.DataSource).GetAsync(hostId, CancellationToken.None))!;

        var holding = CapacityRules.Holding.Sum(s => 1L << Array.IndexOf(statuses, s));
        Assert.That(host.Allocated(), Is.EqualTo(new Resources(holding, holding * 1024)));
        Assert.That(CapacityRules.Holding, Does.Not.Contain(SandboxStatus.Paused).And.Not.Contain(SandboxStatus.Stopped));
        Assert.That(host.SandboxCounts(), Is.EqualTo(statuses.Where(s => s != SandboxStatus.Stopped).ToDictionary(s => s.ToWire(), _ => 1L)),
            "the counts by status are as before: every status but stopped, one each");

        // The column the ledger's trigger goes by (sql/018, sql/019) says the same of every status.
        var holds = await conn.QueryAsync<(string Status, bool Holds)>("SELECT status, holds FROM sandboxes WHERE host_id = @HostId", new { HostId = hostId });
        Assert.That(holds.Where(h => h.Holds).Select(h => h.Status), Is.EquivalentTo(CapacityRules.Holding.Select(s => s.ToWire())));
        await using var transaction = await conn.BeginTransactionAsync();
        await CapacityStore.LockAsync(hostId, conn, transaction, CancellationToken.None);
        var (_, counted) = await CapacityStore.ReadAsync(hostId, conn, transaction, CancellationToken.None);
        Assert.That(counted, Is.EqualTo(host.Allocated()), "the capacity check's ledger says what the host's row shows, sizes changed in place included");
    }
}
