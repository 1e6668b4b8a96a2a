using System.Net;
using Lifecycle.Client;
using Lifecycle.Contract.Sandboxes;

namespace Lifecycle.Tests.Client;

/// <summary>
/// The client over the API's tags, stored idempotency keys, request ids and list filters: ETag and If-Match (412),
/// If-None-Match (304), Idempotent-Replayed and the reused key's 422, request_id in problems, and the filters.
/// </summary>
public sealed class ClientPreconditionAndReplayTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task A_pause_under_a_stale_ETag_is_a_PreconditionFailedException_and_changes_nothing()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();
        var id = (await client.CreateAsync()).Id;
        var seen = await client.WaitAsync(id, SandboxStatus.Running, Settle);
        var changed = await client.SetTimeoutAsync(id, 600);

        var problem = Assert.ThrowsAsync<PreconditionFailedException>(() => client.PauseAsync(id, ifMatch: seen.ETag));
        var after = await client.GetAsync(id);
        var paused = await client.PauseAsync(id, ifMatch: after.ETag);

        Assert.Multiple(() =>
        {
            Assert.That(seen.ETag, Is.Not.Null);
            Assert.That(changed.ETag, Is.Not.EqualTo(seen.ETag), "a timeout change changes the tag");
            Assert.That((problem!.StatusCode, problem.CurrentStatus), Is.EqualTo((HttpStatusCode.PreconditionFailed, (SandboxStatus?)SandboxStatus.Running)));
            Assert.That(problem.CurrentETag, Is.EqualTo(after.ETag));
            Assert.That((after.Status, after.Version), Is.EqualTo((SandboxStatus.Running, seen.Version)), "nothing changed");
            Assert.That(paused.Status, Is.EqualTo(SandboxStatus.Pausing), "the current tag matches");
        });
    }

    [Test]
    public async Task A_get_under_the_current_ETag_is_unchanged_until_a_transition()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();
        var id = (await client.CreateAsync()).Id;
        var running = await client.WaitAsync(id, SandboxStatus.Running, Settle);

        var unchanged = await client.GetIfChangedAsync(id, running.ETag!);
        await client.PauseAsync(id);
        var changed = await client.GetIfChangedAsync(id, running.ETag!);

        Assert.That(unchanged, Is.Null, "304");
        Assert.That(changed?.Status, Is.EqualTo(SandboxStatus.Pausing).Or.EqualTo(SandboxStatus.Paused));
    }

    [Test]
    public async Task A_create_repeated_under_its_key_answers_the_first_sandbox_marked_replayed()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var client = team.Client();

        var first = await client.CreateAsync(new CreateSandboxRequest { Template = "base" }, idempotencyKey: "create-once");
        var again = await client.CreateAsync(new CreateSandboxRequest { Template = "base" }, idempotencyKey: "create-once");

        Assert.That((first.Replayed, again.Replayed, again.Id), Is.EqualTo((false, true, first.Id)));
        Assert.That(await team.SandboxRowsAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task A_pause_whose_answer_is_lost_is_answered_again_by_the_replay()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var plain = team.Client();
        var id = (await plain.CreateAsync()).Id;
        await plain.WaitAsync(id, SandboxStatus.Running, Settle);
        using var transport = new ScriptedTransport { LoseFirstAnswers = 1 };
        using var client = team.Client(transport);

        var pausing = await client.PauseAsync(id);
        await plain.WaitAsync(id, SandboxStatus.Paused, Settle);
        var history = await plain.ListAllEventsAsync(id).ToListAsync();

        Assert.That((pausing.Status, pausing.Replayed), Is.EqualTo((SandboxStatus.Pausing, true)));
        Assert.That(history.Count(e => e.Type == "sandbox.pause.requested"), Is.EqualTo(1), "one pause, however many attempts");
    }

    [Test]
    public async Task A_key_used_again_for_another_request_is_an_IdempotencyKeyReusedException()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var client = team.Client();
        await client.CreateAsync(new CreateSandboxRequest { Vcpus = 1 }, idempotencyKey: "one-request");

        var problem = Assert.ThrowsAsync<IdempotencyKeyReusedException>(
            () => client.CreateAsync(new CreateSandboxRequest { Vcpus = 2 }, idempotencyKey: "one-request"));

        Assert.That(problem!.StatusCode, Is.EqualTo(HttpStatusCode.UnprocessableEntity));
        Assert.That(await team.SandboxRowsAsync(), Is.EqualTo(1));
    }

    [Test]
    public async Task A_problem_names_its_request_id()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();

        var problem = Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync(Guid.CreateVersion7()));

        Assert.That(problem!.RequestId, Is.Not.Null.And.Not.Empty);
    }

    [Test]
    public async Task Filters_select_by_statuses_template_metadata_and_creation_time()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();
        var gold = new Dictionary<string, string> { ["tier"] = "gold" };
        var early = await client.CreateAsync(new CreateSandboxRequest { Template = "alpha", Metadata = gold });
        var paused = await client.CreateAsync(new CreateSandboxRequest { Template = "alpha" });
        var late = await client.CreateAsync(new CreateSandboxRequest { Template = "beta", Metadata = gold });
        await client.WaitAsync(paused.Id, SandboxStatus.Running, Settle);
        await client.PauseAsync(paused.Id);
        await client.WaitAsync(paused.Id, SandboxStatus.Paused, Settle);
        await client.WaitAsync(early.Id, SandboxStatus.Running, Settle);
        await client.WaitAsync(late.Id, SandboxStatus.Running, Settle);

        async Task<Guid[]> Ids(SandboxFilter filter) => [.. (await client.ListAllAsync(filter).ToListAsync()).Select(s => s.Id)];

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await Ids(new SandboxFilter { Statuses = [SandboxStatus.Paused, SandboxStatus.Stopped] }), Is.EqualTo(new[] { paused.Id }));
            Assert.That(await Ids(new SandboxFilter { Statuses = [SandboxStatus.Running, SandboxStatus.Paused], Limit = 1 }),
                Is.EqualTo(new[] { late.Id, paused.Id, early.Id }));
            Assert.That(await Ids(new SandboxFilter { Template = "alpha" }), Is.EqualTo(new[] { paused.Id, early.Id }));
            Assert.That(await Ids(new SandboxFilter { Metadata = gold }), Is.EqualTo(new[] { late.Id, early.Id }));
            Assert.That(await Ids(new SandboxFilter { Template = "alpha", Metadata = gold }), Is.EqualTo(new[] { early.Id }));
            Assert.That(await Ids(new SandboxFilter { CreatedAfter = early.CreatedAt, CreatedBefore = late.CreatedAt }), Is.EqualTo(new[] { paused.Id }));
        });
    }

    [Test]
    public async Task Times_arrive_to_the_millisecond()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();

        var sandbox = await client.CreateAsync();

        Assert.That(sandbox.CreatedAt.Ticks % TimeSpan.TicksPerMillisecond, Is.Zero);
        Assert.That(sandbox.CreatedAt.Offset, Is.EqualTo(TimeSpan.Zero));
    }
}
