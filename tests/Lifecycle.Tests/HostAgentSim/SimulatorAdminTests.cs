using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Lifecycle.HostAgent.V1;
using Lifecycle.HostAgentSim;
using Lifecycle.HostAgentSim.Fleet;
using Lifecycle.HostAgentSim.Hosting;
// Inside Lifecycle.*, a bare HostAgent names the Lifecycle.HostAgent namespace, not the generated class.
using HostAgentClient = Lifecycle.HostAgent.V1.HostAgent.HostAgentClient;

namespace Lifecycle.Tests.HostAgentSim;

/// <summary>
/// The simulator's admin HTTP API (<c>--Simulator:AdminPort</c>) as a fault test drives it from
/// another process: every call is checked by what a gRPC client of the host then sees.
/// </summary>
[TestFixture]
public sealed class SimulatorAdminTests
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    private SimulatedFleet _fleet = null!;
    private HttpClient _admin = null!;
    private GrpcChannel[] _channels = [];
    private HostAgentClient[] _clients = [];

    [OneTimeSetUp]
    public async Task StartFleet()
    {
        var adminPort = LocalServers.FreePort();
        _fleet = await SimulatedFleet.StartAsync(
            new SimulatorOptions { HostCount = 2, LatencyMs = 0, AdminPort = adminPort },
            loggerFactory: null, TestTrust.Issuer, CancellationToken.None);
        _admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}"), Timeout = TimeSpan.FromSeconds(30) };
        _channels = [.. _fleet.Hosts.Select(host => TestTrust.Channel(host))];
        _clients = [.. _channels.Select(channel => new HostAgentClient(channel))];
    }

    [OneTimeTearDown]
    public async Task StopFleet()
    {
        _admin.Dispose();
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
            host.LatencyMs = 0;
        }
    }

    [Test]
    public async Task Hosts_are_listed_with_their_knobs_and_how_many_sandboxes_they_hold()
    {
        var host = _fleet.Hosts[1];
        await CreateAsync(_clients[1]);
        host.Freeze();
        host.LatencyMs = 7;
        host.FailureRate = 0.25;

        using var response = await _admin.GetAsync("/admin/hosts");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var listed = body.RootElement.EnumerateArray().ToArray();

        Assert.That(listed.Select(h => h.GetProperty("name").GetString()), Is.EqualTo(new[] { "sim-0", "sim-1" }));
        var sim1 = listed[1];
        Assert.That(sim1.EnumerateObject().Select(p => p.Name),
            Is.EquivalentTo(new[] { "name", "port", "host_id", "frozen", "latency_ms", "failure_rate", "sandboxes", "memory_mb", "running_vcpus", "running_memory_mb" }));
        Assert.That(sim1.GetProperty("port").GetInt32(), Is.EqualTo(host.Port));
        Assert.That(sim1.GetProperty("host_id").GetGuid(), Is.EqualTo(host.HostId), "the id its certificate names");
        Assert.That(sim1.GetProperty("frozen").GetBoolean(), Is.True);
        Assert.That(sim1.GetProperty("latency_ms").GetInt32(), Is.EqualTo(7));
        Assert.That(sim1.GetProperty("failure_rate").GetDouble(), Is.EqualTo(0.25));
        Assert.That(sim1.GetProperty("sandboxes").GetInt32(), Is.EqualTo(host.Snapshot().Count).And.GreaterThan(0));
        var running = host.Snapshot().Values.Where(s => s.State == SimulatedSandboxState.Running).ToList();
        Assert.That((sim1.GetProperty("memory_mb").GetInt64(), sim1.GetProperty("running_vcpus").GetInt64(), sim1.GetProperty("running_memory_mb").GetInt64()),
            Is.EqualTo((host.MemoryMb, running.Sum(s => (long)s.Spec.Vcpus), running.Sum(s => (long)s.Spec.MemoryMb))));
        Assert.That(running, Is.Not.Empty);
    }

    [Test]
    public async Task Freeze_holds_calls_past_their_deadline_and_thaw_answers_again()
    {
        await ExpectNoContentAsync("/admin/hosts/sim-0/freeze");
        Assert.That(await ListFailureAsync(_clients[0], TimeSpan.FromMilliseconds(300)), Is.EqualTo(StatusCode.DeadlineExceeded));

        await ExpectNoContentAsync("/admin/hosts/sim-0/thaw");
        Assert.That(await ListFailureAsync(_clients[0], CallTimeout), Is.Null);
    }

    [Test]
    public async Task Restart_keep_refuses_calls_while_down_and_comes_back_with_the_same_sandboxes()
    {
        var ids = new[] { await CreateAsync(_clients[0]), await CreateAsync(_clients[0]) };
        var before = await ListIdsAsync(_clients[0]);
        _fleet.Hosts[0].Freeze();

        var clock = Stopwatch.StartNew();
        var restart = _admin.PostAsync("/admin/hosts/sim-0/restart?mode=keep&down_ms=1500", content: null);
        await Eventually.TrueAsync(async () => await ConnectionRefusedAsync(_fleet.Hosts[0].Port), TimeSpan.FromSeconds(10), "the port refuses connections");
        Assert.That(await ListFailureAsync(_clients[0], CallTimeout), Is.EqualTo(StatusCode.Unavailable), "a call while the agent is down");
        using var done = await restart;

        Assert.That(done.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(clock.Elapsed, Is.GreaterThanOrEqualTo(TimeSpan.FromMilliseconds(1400)), "answered once the host was back");
        Assert.That(before, Is.SupersetOf(ids));
        // A fresh channel: the old one's reconnect backoff, after the refusals, is the client's business.
        Assert.That(await ListIdsAsync(NewClient(_fleet.Hosts[0])), Is.EquivalentTo(before), "same port, same sandboxes, and no longer frozen");
        Assert.That(await ListFailureAsync(_clients[1], CallTimeout), Is.Null, "the other host never went away");
    }

    [Test]
    public async Task Restart_empty_comes_back_with_no_sandboxes()
    {
        await CreateAsync(_clients[1]);

        await ExpectNoContentAsync("/admin/hosts/sim-1/restart?mode=empty&down_ms=100");

        Assert.That(await ListIdsAsync(NewClient(_fleet.Hosts[1])), Is.Empty);
        Assert.That(_fleet.Hosts[1].IsDown, Is.False);
    }

    [Test]
    public async Task Faults_set_failure_rate_and_latency_and_leave_omitted_ones_alone()
    {
        await ExpectNoContentAsync("/admin/hosts/sim-0/faults", """{"failure_rate": 1}""");
        Assert.That(await ListFailureAsync(_clients[0], CallTimeout), Is.EqualTo(StatusCode.Unavailable));

        await ExpectNoContentAsync("/admin/hosts/sim-0/faults", """{"latency_ms": 600}""");
        Assert.That(_fleet.Hosts[0].FailureRate, Is.EqualTo(1.0), "omitted, so unchanged");
        Assert.That(await ListFailureAsync(_clients[0], TimeSpan.FromMilliseconds(200)), Is.EqualTo(StatusCode.DeadlineExceeded));

        await ExpectNoContentAsync("/admin/hosts/sim-0/faults", """{"latency_ms": 0, "failure_rate": 0}""");
        Assert.That(await ListFailureAsync(_clients[0], CallTimeout), Is.Null);
    }

    [Test]
    public async Task Exit_crashes_a_sandbox_the_host_holds_and_is_404_for_one_it_does_not()
    {
        var id = await CreateAsync(_clients[0]);

        await ExpectNoContentAsync($"/admin/hosts/sim-0/sandboxes/{id}/exit");
        Assert.That(await ListIdsAsync(_clients[0]), Does.Not.Contain(id));

        using var again = await _admin.PostAsync($"/admin/hosts/sim-0/sandboxes/{id}/exit", content: null);
        Assert.That(again.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(again.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [TestCase("/admin/hosts/nope/freeze")]
    [TestCase("/admin/hosts/nope/thaw")]
    [TestCase("/admin/hosts/nope/restart?mode=keep&down_ms=0")]
    [TestCase("/admin/hosts/nope/sandboxes/x/exit")]
    public async Task An_unknown_host_is_404(string path)
    {
        using var response = await _admin.PostAsync(path, content: null);

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }

    [TestCase("/admin/hosts/sim-0/restart", null)]
    [TestCase("/admin/hosts/sim-0/restart?mode=reboot", null)]
    [TestCase("/admin/hosts/sim-0/restart?mode=keep&down_ms=-1", null)]
    [TestCase("/admin/hosts/sim-0/restart?mode=keep&down_ms=soon", null)]
    [TestCase("/admin/hosts/sim-0/faults", "")]
    [TestCase("/admin/hosts/sim-0/faults", "not json")]
    [TestCase("/admin/hosts/sim-0/faults", """{"failure_rate": 2}""")]
    [TestCase("/admin/hosts/sim-0/faults", """{"latency_ms": -5}""")]
    [TestCase("/admin/hosts/sim-0/faults", """{"latency_ms": "5"}""")]
    [TestCase("/admin/hosts/sim-0/faults", """{"latncy_ms": 5}""")]
    public async Task Bad_input_is_400_and_changes_nothing(string path, string? body)
    {
        using var response = await _admin.PostAsync(path, body is null ? null : new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.BadRequest));
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        Assert.That(_fleet.Hosts[0].LatencyMs, Is.Zero);
        Assert.That(_fleet.Hosts[0].FailureRate, Is.Zero);
        Assert.That(_fleet.Hosts[0].IsDown, Is.False);
    }

    [Test]
    public async Task The_admin_api_answers_on_its_own_port_only()
    {
        using var http = new HttpClient(TestTrust.Handler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };

        using var response = await http.GetAsync($"{_fleet.Hosts[0].Address}/admin/hosts");

        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    private async Task ExpectNoContentAsync(string path, string? json = null)
    {
        using var response = await _admin.PostAsync(path, json is null ? null : new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), await response.Content.ReadAsStringAsync());
    }

    private HostAgentClient NewClient(SimulatedHost host)
    {
        var channel = TestTrust.Channel(host);
        _channels = [.. _channels, channel];
        return new HostAgentClient(channel);
    }

    private static async Task<string> CreateAsync(HostAgentClient client)
    {
        var id = Guid.CreateVersion7().ToString();
        await client.CreateSandboxAsync(
            new CreateSandboxRequest { SandboxId = id, Template = "base", Vcpus = 1, MemoryMb = 512 },
            deadline: DateTime.UtcNow + CallTimeout);
        return id;
    }

    private static async Task<string[]> ListIdsAsync(HostAgentClient client)
    {
        var reply = await client.ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow + CallTimeout);
        return [.. reply.Sandboxes.Select(sandbox => sandbox.SandboxId)];
    }

    /// <summary>The status a ListSandboxes call failed with, or null when it answered.</summary>
    private static async Task<StatusCode?> ListFailureAsync(HostAgentClient client, TimeSpan deadline)
    {
        try
        {
            await client.ListSandboxesAsync(new ListSandboxesRequest(), deadline: DateTime.UtcNow + deadline);
            return null;
        }
        catch (RpcException ex)
        {
            return ex.StatusCode;
        }
    }

    private static async Task<bool> ConnectionRefusedAsync(int port)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        try
        {
            await tcp.ConnectAsync(IPAddress.Loopback, port);
            return false;
        }
        catch (System.Net.Sockets.SocketException ex)
        {
            // A reset is a connection caught in the closing listener's queue: not yet refused.
            return ex.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused;
        }
    }
}
