using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using static Lifecycle.Contract.Sandboxes.SandboxStatus;

namespace Lifecycle.Tests.Consumers;

/// <summary>
/// Several consumers can apply one sandbox's events out of order. The version fence must keep every
/// outcome legal: whatever the order, history is an unbroken chain of table rows and every event
/// is either applied or dropped as stale.
/// </summary>
public sealed class ReorderingTests
{
    private TestDatabase _database = null!;
    private SandboxStore _store = null!;
    private Guid _teamId;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _store = new SandboxStore(_database.DataSource);
        (_teamId, _) = await TestData.TeamAndHostAsync(_database, "reorder", "reorder-key");
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _database.DisposeAsync();

    [Test]
    public async Task Every_order_of_one_sandboxs_events_leaves_a_legal_history()
    {
        var orders = Permutations([0, 1, 2, 3]).ToList();
        Assert.That(orders, Has.Count.EqualTo(24));
        foreach (var order in orders)
        {
            var sandboxId = (await TestData.CreateStartingAsync(_store, _teamId)).Id;
            // In stream order: the host starts it, auto-pauses it, goes quiet, and shows it again.
            StateEvent[] chain =
            [
                Event(sandboxId, EventTypes.CreateSucceeded, Starting, Running, 1),
                Event(sandboxId, EventTypes.AutoPaused, Running, Paused, 2),
                Event(sandboxId, EventTypes.Lost, Paused, Missing, 3),
                Event(sandboxId, EventTypes.Found, Missing, Running, 4),
            ];
            var applied = 0;
            var stale = 0;
            await using var conn = await _database.DataSource.OpenConnectionAsync();
            foreach (var index in order)
            {
                var moved = await _store.TryTransitionAllAsync([chain[index]], conn, null, CancellationToken.None);
                if (moved.Count == 1)
                {
                    applied++;
                }
                else
                {
                    stale++;
                }
            }

            var history = (await conn.QueryAsync<(string Type, string? FromStatus, string ToStatus, long Version)>(
                "SELECT type, from_status, to_status, version FROM sandbox_transitions WHERE sandbox_id = @sandboxId ORDER BY version",
                new { sandboxId })).ToList();
            var label = string.Join(",", order);
            Assert.That(applied + stale, Is.EqualTo(chain.Length), label);
            Assert.That(history, Has.Count.EqualTo(1 + applied), label);
            Assert.That(history.Select(h => h.Version), Is.EqualTo(Enumerable.Range(0, history.Count).Select(v => (long)v)), label);
            Assert.That(history.Skip(1).Select(h => h.FromStatus), Is.EqualTo(history.SkipLast(1).Select(h => h.ToStatus)), label);
            Assert.That(history.All(h => TestData.IsTableRow(h.Type, h.FromStatus, h.ToStatus)), Is.True, label);
            var row = await _store.GetAsync(_teamId, sandboxId, CancellationToken.None);
            Assert.That(row!.Status.ToWire(), Is.EqualTo(history[^1].ToStatus), label);
            if (label == "0,1,2,3")
            {
                Assert.That(applied, Is.EqualTo(4), "in stream order every event applies");
            }
        }
    }

    private StateEvent Event(Guid sandboxId, string type, SandboxStatus from, SandboxStatus to, long version) =>
        new(Guid.CreateVersion7(), type, sandboxId, _teamId, null, from, to, version, Actors.HostMonitor, null, null, DateTimeOffset.UtcNow);

    private static IEnumerable<int[]> Permutations(int[] items) =>
        items.Length <= 1
            ? [items]
            : items.SelectMany(first => Permutations([.. items.Where(i => i != first)]).Select(rest => (int[])[first, .. rest]));
}
