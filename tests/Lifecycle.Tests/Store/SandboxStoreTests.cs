using Dapper;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Infrastructure.Store;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lifecycle.Tests.Store;

/// <summary>The compare-and-set against a real Postgres.</summary>
public sealed class SandboxStoreTests
{
    private TestDatabase _database = null!;
    private SandboxStore _store = null!;
    private Guid _teamId;

    [OneTimeSetUp]
    public async Task CreateDatabaseAsync()
    {
        _database = await TestDatabase.CreateAsync();
        _store = new SandboxStore(_database.DataSource);
        (_teamId, _) = await TestData.TeamAndHostAsync(_database, "store-tests", "store-key");
    }

    [OneTimeTearDown]
    public async Task DropDatabaseAsync() => await _database.DisposeAsync();

    [Test]
    public async Task A_transition_moves_the_row_and_records_history()
    {
        var row = await CreateAsync();
        var moved = await _store.TryTransitionAsync(Event(row, EventTypes.CreateSucceeded, SandboxStatus.Running), null, CancellationToken.None);
        Assert.That(moved, Is.Not.Null);
        Assert.That(moved!.Status, Is.EqualTo(SandboxStatus.Running));
        Assert.That(moved.Version, Is.EqualTo(row.Version + 1));
        Assert.That(moved.StartedAt, Is.Not.Null);
        Assert.That(moved.OperationDeadline, Is.Null);
        Assert.That(await HistoryCountAsync(row.Id), Is.EqualTo(2));
    }

    [Test]
    public async Task Stale_event_changes_nothing()
    {
        var row = await CreateAsync();
        var succeeded = Event(row, EventTypes.CreateSucceeded, SandboxStatus.Running);
        await _store.TryTransitionAsync(succeeded, null, CancellationToken.None);

        // An answer to the same operation, fenced on the version it started from: the row has moved on.
        var late = Event(row, EventTypes.CreateFailed, SandboxStatus.Error) with { Error = "too late" };
        Assert.That(await _store.TryTransitionAsync(late, null, CancellationToken.None), Is.Null);
        var now = await _store.GetAsync(_teamId, row.Id, CancellationToken.None);
        Assert.That(now!.Status, Is.EqualTo(SandboxStatus.Running));
        Assert.That(now.LastError, Is.Null);
        Assert.That(await HistoryCountAsync(row.Id), Is.EqualTo(2));
    }

    [Test]
    public async Task Duplicate_event_changes_nothing()
    {
        var row = await CreateAsync();
        var succeeded = Event(row, EventTypes.CreateSucceeded, SandboxStatus.Running);
        await _store.TryTransitionAsync(succeeded, null, CancellationToken.None);
        Assert.That(await _store.TryTransitionAsync(succeeded, null, CancellationToken.None), Is.Null);
        Assert.That((await _store.GetAsync(_teamId, row.Id, CancellationToken.None))!.Version, Is.EqualTo(row.Version + 1));
        Assert.That(await HistoryCountAsync(row.Id), Is.EqualTo(2));
    }

    [Test]
    public async Task Another_teams_sandbox_is_not_found()
    {
        var row = await CreateAsync();
        Assert.That(await _store.GetAsync(Guid.NewGuid(), row.Id, CancellationToken.None), Is.Null);
    }

    [Test]
    public async Task Applying_migrations_again_changes_nothing()
    {
        await new Migrator(_database.DataSource, NullLogger<Migrator>.Instance).ApplyAsync(CancellationToken.None);
        await using var conn = _database.DataSource.CreateConnection();
        var versions = await conn.QueryAsync<int>("SELECT version FROM schema_migrations ORDER BY version");
        Assert.That(versions, Is.EqualTo(Migrator.Embedded.Select(m => m.Version)));
    }

    private static IEnumerable<SandboxStatus> EveryStatus => Enum.GetValues<SandboxStatus>();

    [TestCaseSource(nameof(EveryStatus))]
    public async Task Every_status_is_stored_by_its_wire_name_and_read_back(SandboxStatus status)
    {
        var row = await CreateAsync();
        // The store fences on status and version only, so any status can be written here.
        var moved = await _store.TryTransitionAsync(Event(row, EventTypes.Settled, status), null, CancellationToken.None);

        Assert.That(moved!.Status, Is.EqualTo(status));
        Assert.That((await _store.GetAsync(_teamId, row.Id, CancellationToken.None))!.Status, Is.EqualTo(status));
        var hosted = (await _store.OnHostsAsync([row.HostId!.Value], [status], CancellationToken.None)).Single(s => s.Id == row.Id);
        Assert.That((hosted.Status, hosted.LostFrom), Is.EqualTo((status, status == SandboxStatus.Missing ? SandboxStatus.Starting : (SandboxStatus?)null)));
        var history = await new TransitionHistoryStore(_database.DataSource).ForSandboxAsync(row.Id, CancellationToken.None);
        Assert.That((history[^1].FromStatus, history[^1].ToStatus), Is.EqualTo(((SandboxStatus?)SandboxStatus.Starting, status)));
        await using var conn = _database.DataSource.CreateConnection();
        Assert.That(await conn.ExecuteScalarAsync<string>("SELECT status FROM sandboxes WHERE id = @Id", new { row.Id }), Is.EqualTo(status.ToWire()));
    }

    [TestCaseSource(nameof(EveryStatus))]
    public async Task A_status_parameter_is_sent_by_its_wire_name(SandboxStatus status)
    {
        await using var conn = _database.DataSource.CreateConnection();
        Assert.That(await conn.ExecuteScalarAsync<string>("SELECT @Status::text", new { Status = status }), Is.EqualTo(status.ToWire()));
        Assert.That(await conn.ExecuteScalarAsync<SandboxStatus>("SELECT @Status::text", new { Status = status }), Is.EqualTo(status));
    }

    [TestCase("Running")]
    [TestCase("1")]
    public async Task A_status_spelled_other_than_its_wire_name_is_refused(string stored)
    {
        await using var conn = _database.DataSource.CreateConnection();
        Assert.That(async () => await conn.ExecuteScalarAsync<SandboxStatus>("SELECT @Stored::text", new { Stored = stored }), Throws.InstanceOf<FormatException>().With.Message.Contains("unknown sandbox status"));
    }

    private async Task<SandboxRow> CreateAsync()
    {
        var row = await TestData.CreateStartingAsync(_store, _teamId);
        Assert.That(row.Status, Is.EqualTo(SandboxStatus.Starting));
        return row;
    }

    private static StateEvent Event(SandboxRow row, string type, SandboxStatus to) =>
        new(Guid.CreateVersion7(), type, row.Id, row.TeamId, row.HostId, row.Status, to, row.Version,
            Actors.Operation, null, null, DateTimeOffset.UtcNow);

    private async Task<long> HistoryCountAsync(Guid sandboxId)
    {
        await using var conn = _database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM sandbox_transitions WHERE sandbox_id = @sandboxId", new { sandboxId });
    }
}
