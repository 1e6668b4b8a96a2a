using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Dapper;
using Lifecycle.Client;
using Lifecycle.Contract.Capacity;
using Lifecycle.HostAgentSim.Fleet;

namespace Lifecycle.Tests.Capacity;

/// <summary>
/// A host never lends more than its allocatable times the ratio, whatever the number of replicas and concurrent creates:
/// three hosts of 16 vCPUs and 32 GiB, three replicas behind a balancer, the rate limit lifted. Sandboxes of 4 vCPUs
/// and 4 GiB: memory binds at 8 a host (vCPUs would allow 16).
/// </summary>
public sealed class CapacityLimitTests
{
    private const int HostVcpus = 16;
    private const int HostMemoryMb = 32_768;
    private static readonly object FourByFour = new { template = "base", vcpus = 4, memory_mb = 4_096, timeout_sec = 3_600 };

    private ControlPlaneHarness _harness = null!;
    private readonly List<HttpClient> _replicas = [];

    [SetUp]
    public async Task StartAsync()
    {
        _harness = await ControlPlaneHarness.StartAsync(hosts: 3, settings: new Dictionary<string, string?>
        {
            ["Lifecycle:RateLimit:PermitsPerSecond"] = "1000000",
            ["Lifecycle:RateLimit:Burst"] = "1000000",
            // A view of the hosts that shows no room is read again before every 503, not once a second: room made by
            // a destroy counts at once, so "exactly 4 more" is the lock's doing, not the view's age.
            ["Lifecycle:Placement:FullRereadInterval"] = "00:00:00",
        }, simulator: sim => sim with { HostVcpus = HostVcpus, HostMemoryMb = HostMemoryMb });
        _replicas.Clear();
        _replicas.Add(_harness.Client);
        _replicas.Add(await _harness.StartBareReplicaAsync("capacity-b"));
        _replicas.Add(await _harness.StartBareReplicaAsync("capacity-c"));
    }

    [TearDown]
    public async Task StopAsync()
    {
        _replicas.Skip(1).ToList().ForEach(client => client.Dispose());
        await _harness.DisposeAsync();
    }

    [Test]
    public async Task Three_hundred_concurrent_creates_through_three_replicas_accept_exactly_what_memory_allows()
    {
        var answers = await CreateAtOnceAsync(300);

        var accepted = answers.Where(a => a.Status == HttpStatusCode.Accepted).ToList();
        Assert.That(accepted, Has.Count.EqualTo(24), "8 of 4 GiB on each of 3 hosts of 32 GiB");
        var refused = answers.Where(a => a.Status != HttpStatusCode.Accepted).ToList();
        Assert.That(refused.Select(a => a.Status), Is.All.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(refused.Select(a => (a.Reason, a.Resource)), Is.All.EqualTo(("no_capacity", "memory_mb")));
        Assert.That(refused.Select(a => a.RetryAfter), Is.All.Not.Null, "every 503 says when to retry");
        await Task.WhenAll(accepted.Select(a => _harness.WaitForStatusAsync(a.Id!, "running", TimeSpan.FromSeconds(30))));

        var held = await MemoryHeldPerHostAsync();
        Assert.That(held.Values, Is.All.EqualTo(HostMemoryMb), "every host full, none past it");
        Assert.That(_harness.Fleet.Hosts.Select(RunningMemoryMb), Is.All.EqualTo(HostMemoryMb), "each host's own list: 8 running, 32 GiB");
        Assert.That(await CountAsync("SELECT count(*) FROM sandbox_transitions WHERE type IN ('sandbox.create.refused', 'sandbox.create.failed')"), Is.Zero,
            "no host refused a create, none failed: the control plane's limit held, not the hosts'");

        // Room made by stopping 4 lets exactly 4 more in, however many ask.
        foreach (var sandbox in accepted.Take(4))
        {
            Assert.That((await _harness.Client.DeleteAsync($"/v1/sandboxes/{sandbox.Id}")).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }
        await Task.WhenAll(accepted.Take(4).Select(a => _harness.WaitForStatusAsync(a.Id!, "stopped")));
        var again = await CreateAtOnceAsync(30);
        Assert.That(again.Count(a => a.Status == HttpStatusCode.Accepted), Is.EqualTo(4));
        Assert.That((await MemoryHeldPerHostAsync()).Values, Is.All.AtMost(HostMemoryMb));
    }

    [Test]
    public async Task A_heartbeat_reporting_less_than_is_allocated_stops_new_sandboxes_there_evicts_nothing_and_shows()
    {
        var first = await CreateAtOnceAsync(6);
        Assert.That(first.All(a => a.Status == HttpStatusCode.Accepted), Is.True);
        await Task.WhenAll(first.Select(a => _harness.WaitForStatusAsync(a.Id!, "running", TimeSpan.FromSeconds(30))));
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        foreach (var host in _harness.Fleet.Hosts)
        {
            host.Freeze(); // its own heartbeats would report its 32 GiB again
            using var agent = _harness.ClientWithKey(host.Token);
            var beat = await agent.PostAsJsonAsync($"/v1/hosts/{host.HostId}/heartbeat", new { capacity = new { vcpus = 16, memory_mb = 2_048 } });
            Assert.That(beat.StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        }

        var refused = await CreateAtOnceAsync(3);

        Assert.That(refused.Select(a => (a.Status, a.Resource)), Is.All.EqualTo((HttpStatusCode.ServiceUnavailable, "memory_mb")));
        Assert.That(_harness.Fleet.Hosts.Sum(h => h.Snapshot().Values.Count(s => s.State == SimulatedSandboxState.Running)), Is.EqualTo(6), "nothing evicted");
        var hosts = (await admin.GetFromJsonAsync<JsonElement>("/v1/hosts")).GetProperty("hosts").EnumerateArray()
            .Where(h => h.GetProperty("allocated").GetProperty("memory_mb").GetInt64() > 0).ToList();
        Assert.That(hosts.Select(h => h.GetProperty("allocated").GetProperty("memory_mb").GetInt64()), Is.All.GreaterThan(2_048),
            "each host shows more allocated than the capacity it now reports");
    }

    [Test]
    public async Task A_sandbox_bigger_than_any_host_is_a_422_naming_the_resource_and_the_largest()
    {
        var vcpus = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", vcpus = 32, memory_mb = 1_024 });
        var problem = await ProblemAsync(vcpus, HttpStatusCode.UnprocessableEntity);
        Assert.That((problem.Reason, problem.Resource, problem.Largest), Is.EqualTo(("no_capacity", "vcpus", (long)HostVcpus)),
            "vCPUs are lent four times over, but one VM cannot use more than its host has");
        Assert.That(problem.RetryAfter, Is.Null, "retrying never helps");

        var memory = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", new { template = "base", vcpus = 1, memory_mb = 40_960 });
        problem = await ProblemAsync(memory, HttpStatusCode.UnprocessableEntity);
        Assert.That((problem.Resource, problem.Largest), Is.EqualTo(("memory_mb", (long)HostMemoryMb)));
        Assert.That(await CountAsync("SELECT count(*) FROM sandboxes"), Is.Zero, "nothing was written");
    }

    [Test]
    public async Task A_pause_frees_its_share_and_a_resume_onto_a_full_host_is_a_503_that_leaves_the_sandbox_paused()
    {
        var first = await CreateAtOnceAsync(24);
        Assert.That(first.All(a => a.Status == HttpStatusCode.Accepted), Is.True, "24 fit exactly");
        await Task.WhenAll(first.Select(a => _harness.WaitForStatusAsync(a.Id!, "running", TimeSpan.FromSeconds(30))));
        var paused = first[0].Id!;
        Assert.That((await _harness.Client.PostAsync($"/v1/sandboxes/{paused}/pause", null)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
        await _harness.WaitForStatusAsync(paused, "paused");

        // Its 4 GiB are free again, on its host: one create takes them.
        var taken = await CreateAtOnceAsync(3);
        Assert.That(taken.Count(a => a.Status == HttpStatusCode.Accepted), Is.EqualTo(1));

        var resume = await _harness.Client.PostAsync($"/v1/sandboxes/{paused}/resume", null);
        var problem = await ProblemAsync(resume, HttpStatusCode.ServiceUnavailable);
        Assert.That((problem.Reason, problem.Resource), Is.EqualTo(("no_capacity", "memory_mb")));
        Assert.That(problem.RetryAfter, Is.Not.Null);
        var still = await _harness.Client.GetFromJsonAsync<JsonElement>($"/v1/sandboxes/{paused}");
        Assert.That(still.GetProperty("status").GetString(), Is.EqualTo("paused"), "nothing lost: still paused, resumable later");
    }

    [Test]
    public async Task A_team_over_its_quota_on_a_full_fleet_is_told_the_quota_first()
    {
        var full = await CreateAtOnceAsync(24);
        Assert.That(full.All(a => a.Status == HttpStatusCode.Accepted), Is.True);
        using var admin = _harness.ClientWithKey(ControlPlaneHarness.AdminKey);
        var team = (await _harness.Client.GetFromJsonAsync<JsonElement>("/v1/quota")).GetProperty("team_id").GetString();
        Assert.That((await admin.PutAsJsonAsync($"/v1/teams/{team}/quotas", new { max_active_sandboxes = 24 })).IsSuccessStatusCode, Is.True);

        var answer = await _harness.Client.PostAsJsonAsync("/v1/sandboxes", FourByFour);

        Assert.That(answer.StatusCode, Is.EqualTo(HttpStatusCode.TooManyRequests), await answer.Content.ReadAsStringAsync());
    }

    [Test]
    public async Task The_typed_client_tells_too_big_and_full_apart_from_an_outage()
    {
        using var client = new LifecycleClient(new LifecycleClientOptions
        {
            BaseAddress = _harness.Client.BaseAddress,
            ApiKey = ControlPlaneHarness.ApiKey,
            MaxRetries = 0,
        });
        var big = Assert.ThrowsAsync<SandboxTooBigException>(() => client.CreateAsync(new CreateSandboxRequest { Vcpus = 32 }));
        Assert.That((big!.Resource, big.Largest), Is.EqualTo(((CapacityResource?)CapacityResource.Vcpus, (long?)HostVcpus)));

        Assert.That((await CreateAtOnceAsync(24)).All(a => a.Status == HttpStatusCode.Accepted), Is.True);
        var full = Assert.ThrowsAsync<NoCapacityException>(() => client.CreateAsync(new CreateSandboxRequest { Vcpus = 4, MemoryMb = 4_096 }));
        Assert.That((full!.Resource, full.RetryAfter), Is.EqualTo(((CapacityResource?)CapacityResource.MemoryMb, (TimeSpan?)TimeSpan.FromSeconds(5))));
    }

    /// <summary>Posts <paramref name="count"/> creates at once, spread over the replicas as a balancer would.</summary>
    private async Task<List<Answer>> CreateAtOnceAsync(int count)
    {
        using var start = new ManualResetEventSlim();
        var posts = Enumerable.Range(0, count).Select(i => Task.Run(async () =>
        {
            start.Wait();
            var response = await _replicas[i % _replicas.Count].PostAsJsonAsync("/v1/sandboxes", FourByFour);
            return await AnswerAsync(response);
        })).ToList();
        start.Set();
        return [.. await Task.WhenAll(posts)];
    }

    private static async Task<Answer> ProblemAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        var answer = await AnswerAsync(response);
        Assert.That(answer.Status, Is.EqualTo(expected), answer.Body);
        Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        return answer;
    }

    private static async Task<Answer> AnswerAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        var json = JsonDocument.Parse(body).RootElement;
        string? Text(string name) => json.TryGetProperty(name, out var value) ? value.GetString() : null;
        return new Answer(response.StatusCode, body, Text("id"), Text("reason"), Text("resource"),
            json.TryGetProperty("largest", out var largest) ? largest.GetInt64() : null, response.Headers.RetryAfter);
    }

    private sealed record Answer(
        HttpStatusCode Status, string Body, string? Id, string? Reason, string? Resource, long? Largest, System.Net.Http.Headers.RetryConditionHeaderValue? RetryAfter);

    /// <summary>What the host's running VMs take, as its own list shows them.</summary>
    private static long RunningMemoryMb(SimulatedHost host) =>
        host.Snapshot().Values.Where(s => s.State == SimulatedSandboxState.Running).Sum(s => (long)s.Spec.MemoryMb);

    /// <summary>What each host's sandboxes that may still have a VM there hold of its memory, as Postgres counts it.</summary>
    private async Task<Dictionary<Guid, long>> MemoryHeldPerHostAsync()
    {
        await using var conn = _harness.Database.DataSource.CreateConnection();
        var rows = await conn.QueryAsync<(Guid Host, long Memory)>(
            "SELECT host_id, sum(memory_mb) FROM sandboxes WHERE status NOT IN ('paused', 'stopped') GROUP BY host_id");
        return rows.ToDictionary(r => r.Host, r => r.Memory);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var conn = _harness.Database.DataSource.CreateConnection();
        return await conn.ExecuteScalarAsync<long>(sql);
    }
}
