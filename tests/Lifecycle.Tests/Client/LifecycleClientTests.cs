using System.Net;
using Lifecycle.Client;
using Lifecycle.Contract.Events;
using Lifecycle.Contract.Quotas;
using Lifecycle.Contract.Sandboxes;
using Lifecycle.Contract.Timeouts;
using Microsoft.Extensions.DependencyInjection;

namespace Lifecycle.Tests.Client;

/// <summary>The typed client against a real control plane: every call, its typed answers and its typed problems.</summary>
public sealed class LifecycleClientTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(10);
    private ControlPlaneHarness _harness = null!;

    [OneTimeSetUp]
    public async Task StartAsync() => _harness = await ControlPlaneHarness.StartAsync();

    [OneTimeTearDown]
    public async Task StopAsync() => await _harness.DisposeAsync();

    [Test]
    public async Task A_sandbox_travels_from_create_to_stopped_through_the_client()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var client = team.Client();

        var created = await client.CreateAsync(new CreateSandboxRequest
        {
            Template = "base",
            Vcpus = 2,
            MemoryMb = 1024,
            TimeoutSec = 600,
            OnTimeout = OnTimeout.Destroy,
            MaxLifetimeSec = 3600,
            Metadata = new Dictionary<string, string> { ["owner"] = "client" },
        });
        Assert.Multiple(() =>
        {
            Assert.That((created.Status, created.Accepted, created.Version), Is.EqualTo((SandboxStatus.Starting, true, 1L)));
            Assert.That((created.Template, created.Vcpus, created.MemoryMb, created.TimeoutSec), Is.EqualTo(("base", 2, 1024, 600)));
            Assert.That((created.OnTimeout, created.MaxLifetimeSec, created.Metadata["owner"]), Is.EqualTo((OnTimeout.Destroy, (int?)3600, "client")));
        });

        var running = await client.WaitAsync(created.Id, SandboxStatus.Running, Settle);
        var pausing = await client.PauseAsync(created.Id);
        var paused = await client.WaitAsync(created.Id, SandboxStatus.Paused, Settle);
        var resuming = await client.ResumeAsync(created.Id);
        await client.WaitAsync(created.Id, SandboxStatus.Running, Settle);
        var stopping = await client.DestroyAsync(created.Id);
        var stopped = await client.WaitAsync(created.Id, SandboxStatus.Stopped, Settle);

        Assert.Multiple(() =>
        {
            Assert.That(running.HostId, Is.Not.Null);
            Assert.That((pausing.Status, resuming.Status, stopping.Status), Is.EqualTo((SandboxStatus.Pausing, SandboxStatus.Resuming, SandboxStatus.Stopping)));
            Assert.That(paused.StopReason, Is.EqualTo(StopReason.Requested));
            Assert.That((stopped.Version, stopped.StopReason), Is.EqualTo((8L, (StopReason?)StopReason.Requested)));
        });
        var history = await client.ListAllEventsAsync(created.Id).ToListAsync();
        Assert.That(history.Select(e => e.Type), Is.EqualTo(new[]
        {
            EventTypes.CreateRequested, EventTypes.CreateSucceeded, EventTypes.PauseRequested, EventTypes.PauseSucceeded,
            EventTypes.ResumeRequested, EventTypes.ResumeSucceeded, EventTypes.DestroyRequested, EventTypes.DestroySucceeded,
        }));
        Assert.That(history.Last().To, Is.EqualTo(SandboxStatus.Stopped));
    }

    [Test]
    public async Task Listing_all_follows_next_cursor_over_every_page()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var client = team.Client();
        var created = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            created.Add((await client.CreateAsync()).Id);
        }

        var first = await client.ListAsync(new SandboxFilter { Limit = 2 });
        var all = await client.ListAllAsync(new SandboxFilter { Limit = 2 }).ToListAsync();

        Assert.That(first.NextCursor, Is.Not.Null, "five sandboxes do not fit on a page of two");
        Assert.That(all.Select(s => s.Id), Is.EqualTo(Enumerable.Reverse(created)), "each once, newest first");
    }

    [Test]
    public async Task An_unknown_sandbox_is_a_NotFoundException()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();

        var problem = Assert.ThrowsAsync<NotFoundException>(() => client.GetAsync(Guid.CreateVersion7()));

        Assert.That((problem!.StatusCode, problem.Title), Is.EqualTo((HttpStatusCode.NotFound, "Sandbox not found")));
    }

    [Test]
    public async Task A_request_its_status_forbids_is_a_ConflictException_naming_the_status()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();
        var id = (await client.CreateAsync()).Id;
        await client.WaitAsync(id, SandboxStatus.Running, Settle);
        await client.DestroyAsync(id);
        await client.WaitAsync(id, SandboxStatus.Stopped, Settle);

        var problem = Assert.ThrowsAsync<ConflictException>(() => client.PauseAsync(id));

        Assert.That((problem!.StatusCode, problem.CurrentStatus), Is.EqualTo((HttpStatusCode.Conflict, (SandboxStatus?)SandboxStatus.Stopped)));
    }

    [Test]
    public async Task A_wait_that_runs_out_is_a_WaitTimedOutException_naming_where_the_sandbox_is()
    {
        using var client = (await ClientTeam.NewAsync(_harness)).Client();
        var id = (await client.CreateAsync()).Id;
        await client.WaitAsync(id, SandboxStatus.Running, Settle);

        var problem = Assert.ThrowsAsync<WaitTimedOutException>(() => client.WaitAsync(id, SandboxStatus.Paused, TimeSpan.FromMilliseconds(300)));

        Assert.That(problem!.CurrentStatus, Is.EqualTo(SandboxStatus.Running));
    }

    [Test]
    public async Task A_create_over_a_quota_is_a_QuotaExceededException_sent_only_once()
    {
        var team = await ClientTeam.NewAsync(_harness);
        await team.SetQuotasAsync("""{"max_active_sandboxes": 0}""");
        using var transport = new ScriptedTransport();
        using var client = team.Client(transport);

        var problem = Assert.ThrowsAsync<QuotaExceededException>(() => client.CreateAsync());

        Assert.Multiple(() =>
        {
            Assert.That((problem!.StatusCode, problem.Quota, problem.Limit, problem.InUse),
                Is.EqualTo((HttpStatusCode.TooManyRequests, (QuotaName?)QuotaName.MaxActiveSandboxes, (long?)0, (long?)0)));
            Assert.That(problem.RetryAfter, Is.Null);
            Assert.That(transport.Attempts, Has.Count.EqualTo(1), "waiting cannot fix a quota, so it is not retried");
        });
    }

    [Test]
    public async Task Timeout_connect_and_quota_answer_typed()
    {
        var team = await ClientTeam.NewAsync(_harness);
        using var client = team.Client();
        var id = (await client.CreateAsync(new CreateSandboxRequest { Vcpus = 2 })).Id;
        await client.WaitAsync(id, SandboxStatus.Running, Settle);

        var shortened = await client.SetTimeoutAsync(id, 120);
        var connected = await client.ConnectAsync(id, 900);
        var quota = await client.GetQuotaAsync();

        Assert.Multiple(() =>
        {
            Assert.That((shortened.TimeoutSec, shortened.Accepted), Is.EqualTo((120, false)));
            Assert.That(shortened.ExpiresAt, Is.EqualTo(DateTimeOffset.UtcNow.AddSeconds(120)).Within(TimeSpan.FromSeconds(10)));
            Assert.That((connected.Status, connected.Accepted), Is.EqualTo((SandboxStatus.Running, false)), "a running sandbox connects with a 200");
            Assert.That(connected.ExpiresAt, Is.EqualTo(DateTimeOffset.UtcNow.AddSeconds(900)).Within(TimeSpan.FromSeconds(10)));
            Assert.That(quota.TeamId, Is.EqualTo(team.Id));
            Assert.That((quota[QuotaName.MaxActiveSandboxes].InUse, quota[QuotaName.MaxVcpus].InUse), Is.EqualTo((1L, 2L)));
        });
    }

    [Test]
    public async Task The_client_from_dependency_injection_calls_with_its_configured_key()
    {
        var team = await ClientTeam.NewAsync(_harness);
        var services = new ServiceCollection();
        services.AddLifecycleClient(options =>
        {
            options.BaseAddress = _harness.BaseAddress;
            options.ApiKey = team.Key;
        });
        await using var provider = services.BuildServiceProvider();

        var quota = await provider.GetRequiredService<LifecycleClient>().GetQuotaAsync();

        Assert.That(quota.TeamId, Is.EqualTo(team.Id));
    }
}
