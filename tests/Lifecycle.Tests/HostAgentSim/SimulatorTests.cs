using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Hosting;
// Inside Lifecycle.*, a bare HostAgent names the Lifecycle.HostAgent namespace, not the generated class.
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Tests.HostAgentSim;

[TestFixture]
public sealed class SimulatorTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private SimulatedFleet _fleet = null!;
    private GrpcChannel[] _channels = [];
    private HostAgentClient[] _clients = [];

    [OneTimeSetUp]
    public async Task StartFleet()
    {
        _fleet = await SimulatedFleet.StartAsync(
            new SimulatorOptions { HostCount = 2, ExpirySweepMs = 50 },
            loggerFactory: null, TestTrust.Issuer, CancellationToken.None);
        _channels = [.. _fleet.Hosts.Select(host => TestTrust.Channel(host))];
        _clients = [.. _channels.Select(channel => new HostAgentClient(channel))];
    }

    [OneTimeTearDown]
    public async Task StopFleet()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await _fleet.DisposeAsync();
    }

    [TearDown]
    public void ResetKnobs()
    {
        foreach (var host in _fleet.Hosts)
        {
            host.Unfreeze();
            host.FailureRate = 0;
            host.LatencyMs = 20;
        }
    }

    [Test]
    public void Free_ports_give_each_host_its_own_address()
    {
        Assert.That(_fleet.Hosts.Select(host => host.Name), Is.EqualTo(new[] { "sim-0", "sim-1" }));
        Assert.That(_fleet.Hosts.Select(host => host.Address), Is.Unique);
        Assert.That(_fleet.Hosts[1].Address, Is.EqualTo($"https://127.0.0.1:{_fleet.Hosts[1].Port}"));
    }

    [Test]
    public async Task A_sandbox_goes_through_create_pause_resume_and_destroy()
    {
        var client = _clients[0];
        var id = NewId();

        var created = (await client.CreateSandboxAsync(Create(id), deadline: Deadline())).Sandbox;
        Assert.That(created.SandboxId, Is.EqualTo(id));
        Assert.That(created.State, Is.EqualTo(SandboxState.Running));
        Assert.That(created.StartedAtUnixMs, Is.GreaterThan(0));
        Assert.That(await ListedState(client, id), Is.EqualTo(SandboxState.Running));

        var paused = (await client.PauseSandboxAsync(Ref(id), deadline: Deadline())).Sandbox;
        Assert.That(paused.State, Is.EqualTo(SandboxState.Paused));
        Assert.That(paused.AutoPaused, Is.False);
        Assert.That(await ListedState(client, id), Is.EqualTo(SandboxState.Paused));

        var resumed = (await client.ResumeSandboxAsync(new ResumeSandboxRequest { SandboxId = id }, deadline: Deadline())).Sandbox;
        Assert.That(resumed.State, Is.EqualTo(SandboxState.Running));
        Assert.That(resumed.StartedAtUnixMs, Is.EqualTo(created.StartedAtUnixMs));

        var destroyed = await client.DestroySandboxAsync(Ref(id), deadline: Deadline());
        Assert.That(destroyed.Existed, Is.True);
        Assert.That(await ListedState(client, id), Is.Null);
        Assert.That(_fleet.Hosts[0].TryGet(id, out _), Is.False);
        Assert.That(_fleet.Hosts[0].IsDestroyed(id), Is.True);
    }

    [Test]
    public async Task Repeating_a_call_returns_the_sandbox_unchanged()
    {
        var client = _clients[0];
        var id = NewId();

        var first = (await client.CreateSandboxAsync(Create(id), deadline: Deadline())).Sandbox;
        var again = (await client.CreateSandboxAsync(Create(id), deadline: Deadline())).Sandbox;
        Assert.That(again, Is.EqualTo(first));

        await client.PauseSandboxAsync(Ref(id), deadline: Deadline());
        var pausedAgain = (await client.PauseSandboxAsync(Ref(id), deadline: Deadline())).Sandbox;
        Assert.That(pausedAgain.State, Is.EqualTo(SandboxState.Paused));

        await client.ResumeSandboxAsync(new ResumeSandboxRequest { SandboxId = id }, deadline: Deadline());
        var resumedAgain = (await client.ResumeSandboxAsync(new ResumeSandboxRequest { SandboxId = id }, deadline: Deadline())).Sandbox;
        Assert.That(resumedAgain.State, Is.EqualTo(SandboxState.Running));

        Assert.That((await client.DestroySandboxAsync(Ref(id), deadline: Deadline())).Existed, Is.True);
        Assert.That((await client.DestroySandboxAsync(Ref(id), deadline: Deadline())).Existed, Is.False);
    }

    [Test]
    public async Task Pausing_or_resuming_an_unknown_sandbox_is_not_found()
    {
        var client = _clients[0];

        var pause = await StatusOf(client.PauseSandboxAsync(Ref(NewId()), deadline: Deadline()));
        var resume = await StatusOf(client.ResumeSandboxAsync(new ResumeSandboxRequest { SandboxId = NewId() }, deadline: Deadline()));

        Assert.That(pause, Is.EqualTo(StatusCode.NotFound));
        Assert.That(resume, Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task Destroying_an_unknown_sandbox_succeeds()
    {
        var reply = await _clients[0].DestroySandboxAsync(Ref(NewId()), deadline: Deadline());

        Assert.That(reply.Existed, Is.False);
    }

    [Test]
    public async Task Creating_a_destroyed_sandbox_is_refused()
    {
        var client = _clients[0];
        var id = NewId();
        await client.CreateSandboxAsync(Create(id), deadline: Deadline());
        await client.DestroySandboxAsync(Ref(id), deadline: Deadline());

        var status = await StatusOf(client.CreateSandboxAsync(Create(id), deadline: Deadline()));

        Assert.That(status, Is.EqualTo(StatusCode.FailedPrecondition));
        Assert.That(await ListedState(client, id), Is.Null);
    }

    [Test]
    public async Task A_create_arriving_after_the_destroy_of_an_unknown_id_is_refused()
    {
        var client = _clients[0];
        var id = NewId();
        await client.DestroySandboxAsync(Ref(id), deadline: Deadline());

        var status = await StatusOf(client.CreateSandboxAsync(Create(id), deadline: Deadline()));

        Assert.That(status, Is.EqualTo(StatusCode.FailedPrecondition));
    }

    [Test]
    public async Task An_empty_sandbox_id_is_an_invalid_argument()
    {
        var status = await StatusOf(_clients[0].CreateSandboxAsync(Create(""), deadline: Deadline()));

        Assert.That(status, Is.EqualTo(StatusCode.InvalidArgument));
    }

    [Test]
    public async Task Two_hosts_keep_separate_sandboxes()
    {
        var id = NewId();

        await _clients[0].CreateSandboxAsync(Create(id), deadline: Deadline());

        Assert.That(_fleet.Hosts[0].TryGet(id, out _), Is.True);
        Assert.That(_fleet.Hosts[1].TryGet(id, out _), Is.False);
        Assert.That(await ListedState(_clients[1], id), Is.Null);
        Assert.That(
            await StatusOf(_clients[1].PauseSandboxAsync(Ref(id), deadline: Deadline())),
            Is.EqualTo(StatusCode.NotFound));
    }

    [Test]
    public async Task A_host_failing_every_call_answers_unavailable_and_changes_nothing()
    {
        var client = _clients[0];
        var host = _fleet.Hosts[0];
        var existing = NewId();
        await client.CreateSandboxAsync(Create(existing), deadline: Deadline());
        host.FailureRate = 1.0;
        var fresh = NewId();

        var create = await ErrorOf(client.CreateSandboxAsync(Create(fresh), deadline: Deadline()));
        var pause = await ErrorOf(client.PauseSandboxAsync(Ref(existing), deadline: Deadline()));
        var destroy = await ErrorOf(client.DestroySandboxAsync(Ref(existing), deadline: Deadline()));

        Assert.That(create?.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(create?.Status.Detail, Is.EqualTo("injected failure"));
        Assert.That(pause?.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(destroy?.StatusCode, Is.EqualTo(StatusCode.Unavailable));
        Assert.That(host.TryGet(fresh, out _), Is.False);
        Assert.That(host.TryGet(existing, out var sandbox), Is.True);
        Assert.That(sandbox?.State, Is.EqualTo(SimulatedSandboxState.Running));
        Assert.That(host.IsDestroyed(existing), Is.False);
    }

    [Test]
    public async Task A_frozen_host_lets_a_call_run_into_its_deadline()
    {
        _fleet.Hosts[0].Freeze();
        var id = NewId();
        var clock = Stopwatch.StartNew();

        var status = await StatusOf(_clients[0].CreateSandboxAsync(
            Create(id),
            deadline: DateTime.UtcNow.AddMilliseconds(200)));

        Assert.That(status, Is.EqualTo(StatusCode.DeadlineExceeded));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(150)));
        Assert.That(_fleet.Hosts[0].TryGet(id, out _), Is.False);
        Assert.That(await ListedState(_clients[1], id), Is.Null, "the other host still answers");
    }

    [Test]
    public async Task Latency_longer_than_the_deadline_exceeds_it()
    {
        _fleet.Hosts[1].LatencyMs = 1_000;

        var status = await StatusOf(_clients[1].ListSandboxesAsync(
            new ListSandboxesRequest(),
            deadline: DateTime.UtcNow.AddMilliseconds(100)));

        Assert.That(status, Is.EqualTo(StatusCode.DeadlineExceeded));
    }

    [Test]
    public async Task A_sandbox_the_host_paused_by_itself_is_listed_as_auto_paused()
    {
        var client = _clients[1];
        var id = NewId();
        await client.CreateSandboxAsync(Create(id), deadline: Deadline());

        Assert.That(_fleet.Hosts[1].AutoPause(id), Is.True);
        var listed = await client.ListSandboxesAsync(new ListSandboxesRequest(), deadline: Deadline());
        var sandbox = listed.Sandboxes.Single(s => s.SandboxId == id);
        Assert.That(sandbox.State, Is.EqualTo(SandboxState.Paused));
        Assert.That(sandbox.AutoPaused, Is.True);
        Assert.That(listed.AutoPausedIds, Does.Contain(id));

        var resumed = (await client.ResumeSandboxAsync(new ResumeSandboxRequest { SandboxId = id }, deadline: Deadline())).Sandbox;
        Assert.That(resumed.AutoPaused, Is.False);
    }

    [Test]
    public async Task A_running_sandbox_past_its_deadline_is_paused_by_its_host()
    {
        var id = NewId();
        await _clients[0].CreateSandboxAsync(Create(id, expiresIn: TimeSpan.FromSeconds(1)), deadline: Deadline());

        SimulatedSandbox? sandbox = null;
        await Eventually.TrueAsync(() => _fleet.Hosts[0].TryGet(id, out sandbox) && sandbox.State == SimulatedSandboxState.Paused,
            TimeSpan.FromSeconds(5), "the expired sandbox is paused");

        Assert.That(sandbox?.AutoPaused, Is.True);
        Assert.That(_fleet.Hosts[0].AutoPausedIds(), Does.Contain(id));
    }

    [Test]
    public async Task A_sandbox_whose_policy_is_destroy_is_destroyed_at_its_deadline()
    {
        var id = NewId();
        var request = Create(id, expiresIn: TimeSpan.FromSeconds(1));
        request.OnTimeout = OnTimeout.Destroy;
        await _clients[0].CreateSandboxAsync(request, deadline: Deadline());

        await Eventually.TrueAsync(() => _fleet.Hosts[0].IsDestroyed(id), TimeSpan.FromSeconds(5), "the expired sandbox is destroyed");

        Assert.That(_fleet.Hosts[0].TryGet(id, out _), Is.False);
    }

    [Test]
    public async Task A_paused_sandbox_is_destroyed_at_the_end_of_its_lifetime()
    {
        var id = NewId();
        var request = Create(id, expiresIn: TimeSpan.FromHours(1));
        request.LifetimeEndsAtUnixMs = DateTimeOffset.UtcNow.AddSeconds(1).ToUnixTimeMilliseconds();
        await _clients[0].CreateSandboxAsync(request, deadline: Deadline());
        await _clients[0].PauseSandboxAsync(Ref(id), deadline: Deadline());

        await Eventually.TrueAsync(() => _fleet.Hosts[0].IsDestroyed(id), TimeSpan.FromSeconds(5), "the sandbox is destroyed at its lifetime's end");
    }

    [Test]
    public async Task A_deadline_set_later_wins_over_one_that_arrives_after_it()
    {
        var id = NewId();
        await _clients[0].CreateSandboxAsync(Create(id, expiresIn: TimeSpan.FromMinutes(5)), deadline: Deadline());
        var now = DateTimeOffset.UtcNow;
        var later = now.AddHours(2).ToUnixTimeMilliseconds();

        await _clients[0].SetSandboxTimeoutAsync(new SetSandboxTimeoutRequest { SandboxId = id, ExpiresAtUnixMs = later, SetAtUnixMs = now.ToUnixTimeMilliseconds() + 10 }, deadline: Deadline());
        var reply = await _clients[0].SetSandboxTimeoutAsync(new SetSandboxTimeoutRequest { SandboxId = id, ExpiresAtUnixMs = now.AddSeconds(1).ToUnixTimeMilliseconds(), SetAtUnixMs = now.ToUnixTimeMilliseconds() }, deadline: Deadline());

        Assert.That(reply.Sandbox.ExpiresAtUnixMs, Is.EqualTo(later));
    }

    private static string NewId() => $"sbx-{Guid.NewGuid():N}";

    private static DateTime Deadline() => DateTime.UtcNow.Add(CallTimeout);

    /// <summary>A create request; with <paramref name="expiresIn"/>, a deadline that far from now (else none).</summary>
    private static CreateSandboxRequest Create(string id, TimeSpan? expiresIn = null) => new()
    {
        SandboxId = id,
        Template = "base",
        Vcpus = 1,
        MemoryMb = 256,
        TimeoutSec = (int)(expiresIn?.TotalSeconds ?? 0),
        ExpiresAtUnixMs = expiresIn is { } span ? DateTimeOffset.UtcNow.Add(span).ToUnixTimeMilliseconds() : 0,
    };

    private static SandboxRef Ref(string id) => new() { SandboxId = id };

    private static async Task<SandboxState?> ListedState(HostAgentClient client, string id)
    {
        var reply = await client.ListSandboxesAsync(new ListSandboxesRequest(), deadline: Deadline());
        return reply.Sandboxes.FirstOrDefault(sandbox => sandbox.SandboxId == id)?.State;
    }

    private static async Task<RpcException?> ErrorOf<T>(AsyncUnaryCall<T> call)
    {
        try
        {
            await call;
            return null;
        }
        catch (RpcException error)
        {
            return error;
        }
    }

    private static async Task<StatusCode?> StatusOf<T>(AsyncUnaryCall<T> call) => (await ErrorOf(call))?.StatusCode;
}
